package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/domain"
)

// fakePlan knows three numbers, in any spelling with or without spaces.
func fakePlan(raw string) (domain.Mobile, error) {
	switch strings.ReplaceAll(raw, " ", "") {
	case "13800138000", "+8613800138000":
		return domain.NewParsedMobile("+8613800138000", "13800138000", "CN", domain.NumberMobile), nil
	case "+85261234567":
		return domain.NewParsedMobile("+85261234567", "", "HK", domain.NumberMobile), nil
	case "+445612345678":
		return domain.NewParsedMobile("+445612345678", "", "GB", domain.NumberVoIP), nil
	}
	return domain.Mobile{}, errors.New("no number")
}

func fakeDisplay(stored string) string {
	if m, err := fakePlan(stored); err == nil {
		return m.Display()
	}
	return stored
}

func numberPolicy(t *testing.T, rules domain.NumberRules) domain.MobilePolicy {
	t.Helper()
	p, err := domain.NewNumberPolicy(fakePlan, fakeDisplay, rules)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNumberPolicyParses(t *testing.T) {
	p := numberPolicy(t, domain.NumberRules{})
	m, err := p.Parse("+86 138 0013 8000")
	if err != nil || m.String() != "+8613800138000" || m.Display() != "13800138000" || m.Region() != "CN" {
		t.Fatalf("got %v %q %q %q", err, m.String(), m.Display(), m.Region())
	}
	if _, err := p.Parse("+445612345678"); !errors.Is(err, domain.ErrInvalidMobile) {
		t.Fatalf("a VoIP number is no mobile by default: %v", err)
	}
	if _, err := p.Parse("garbage"); !errors.Is(err, domain.ErrInvalidMobile) {
		t.Fatalf("got %v", err)
	}
	wide := numberPolicy(t, domain.NumberRules{Types: []domain.NumberType{domain.NumberVoIP}})
	if _, err := wide.Parse("+445612345678"); err != nil {
		t.Fatalf("the types configured widen it: %v", err)
	}
	if _, err := wide.Parse("13800138000"); !errors.Is(err, domain.ErrInvalidMobile) {
		t.Fatalf("the types configured are the whole list: %v", err)
	}
}

func TestNumberPolicyPatternMatchesTheDisplayForm(t *testing.T) {
	p := numberPolicy(t, domain.NumberRules{Pattern: `^1[3-9]\d{9}$`})
	if _, err := p.Parse("+86 138 0013 8000"); err != nil {
		t.Fatalf("an old MOBILE_REGEX keeps accepting the default region's numbers in any spelling: %v", err)
	}
	if _, err := p.Parse("+85261234567"); !errors.Is(err, domain.ErrInvalidMobile) {
		t.Fatalf("and keeps refusing what it refused: %v", err)
	}
	international := numberPolicy(t, domain.NumberRules{Pattern: `^\+\d{8,15}$`})
	for _, raw := range []string{"13800138000", "+85261234567"} {
		if _, err := international.Parse(raw); err != nil {
			t.Fatalf("a pattern written for E.164 matches the E.164 form: %v", err)
		}
	}
}

func TestNumberPolicyReachable(t *testing.T) {
	cn, _ := fakePlan("13800138000")
	hk, _ := fakePlan("+85261234567")
	rows := []struct {
		name  string
		rules domain.NumberRules
		ok    []domain.Mobile
		not   []domain.Mobile
		err   error
	}{
		{"regions", domain.NumberRules{Regions: []string{"cn"}}, []domain.Mobile{cn}, []domain.Mobile{hk}, domain.ErrRegionNotAllowed},
		{"any region", domain.NumberRules{}, []domain.Mobile{cn, hk}, nil, nil},
		{"display prefix", domain.NumberRules{Prefixes: []string{"138"}}, []domain.Mobile{cn}, []domain.Mobile{hk}, domain.ErrPrefixNotAllowed},
		{"E.164 prefix", domain.NumberRules{Prefixes: []string{"+852"}}, []domain.Mobile{hk}, []domain.Mobile{cn}, domain.ErrPrefixNotAllowed},
		{"prefixes on top of regions", domain.NumberRules{Regions: []string{"CN", "HK"}, Prefixes: []string{"+86"}},
			[]domain.Mobile{cn}, []domain.Mobile{hk}, domain.ErrPrefixNotAllowed},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			p := numberPolicy(t, row.rules)
			for _, m := range row.ok {
				if err := p.Reachable(m); err != nil {
					t.Errorf("%s: %v", m, err)
				}
			}
			for _, m := range row.not {
				if err := p.Reachable(m); !errors.Is(err, row.err) {
					t.Errorf("%s: got %v", m, err)
				}
			}
		})
	}
}

func TestNumberPolicySpellingsKeyAndDisplay(t *testing.T) {
	p := numberPolicy(t, domain.NumberRules{})
	if got := p.Spellings("+86 138 0013 8000"); !slices.Equal(got, []string{"+86 138 0013 8000", "+8613800138000", "13800138000"}) {
		t.Errorf("spellings: %q", got)
	}
	if got := p.Spellings("alice"); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("spellings: %q", got)
	}
	if p.Key("138 0013 8000") != "+8613800138000" || p.Key("alice") != "alice" {
		t.Error("key")
	}
	if p.Display("+8613800138000") != "13800138000" || p.Display("+85261234567") != "+85261234567" {
		t.Error("display")
	}
	legacy, _ := domain.NewMobilePolicy(`^\d+$`)
	if legacy.Key("138 0013") != "138 0013" || legacy.Display("+8613800138000") != "+8613800138000" {
		t.Error("a pattern-only policy keeps the text as it is")
	}
}

func TestSignUpStoresTheCanonicalNumberUnderTheShownName(t *testing.T) {
	m, _ := numberPolicy(t, domain.NumberRules{}).Parse("+86 138 0013 8000")
	u, err := domain.NewUser(m, "$argon2id$hash", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if u.Username() != "13800138000" || u.Mobile() != "+8613800138000" {
		t.Fatalf("username %q mobile %q", u.Username(), u.Mobile())
	}
	hk, _ := numberPolicy(t, domain.NumberRules{}).Parse("+85261234567")
	if err := u.ChangeMobile(hk, "13800138000"); err != nil {
		t.Fatal(err)
	}
	if u.Username() != "+85261234567" || u.Mobile() != "+85261234567" {
		t.Fatalf("the username that was the shown number follows it: %q %q", u.Username(), u.Mobile())
	}
}
