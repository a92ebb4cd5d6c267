package domain_test

import (
	"errors"
	"testing"

	"github.com/phoneauth/phoneauth/domain"
)

func TestParsePurposeDefaultsToRegister(t *testing.T) {
	p, err := domain.ParsePurpose("")
	if err != nil || p != domain.PurposeRegister {
		t.Fatalf(`ParsePurpose("") = %q, %v; want register, as the original shop's codes were`, p, err)
	}
}

func TestParsePurposeKnowsEachPurpose(t *testing.T) {
	for name, want := range map[string]domain.Purpose{
		"register":       domain.PurposeRegister,
		"login":          domain.PurposeLogin,
		"reset_password": domain.PurposeResetPassword,
		"change_mobile":  domain.PurposeChangeMobile,
	} {
		if p, err := domain.ParsePurpose(name); err != nil || p != want {
			t.Errorf("ParsePurpose(%q) = %q, %v; want %q", name, p, err, want)
		}
	}
}

func TestParsePurposeRefusesAnUnknownName(t *testing.T) {
	for _, name := range []string{"delete", "Login", " login", "login ", "REGISTER"} {
		p, err := domain.ParsePurpose(name)
		var e *domain.Error
		if !errors.As(err, &e) || !errors.Is(err, domain.ErrInvalidChoice) {
			t.Errorf("ParsePurpose(%q) = %q, %v; want ErrInvalidChoice", name, p, err)
			continue
		}
		if e.Param() != name {
			t.Errorf("ParsePurpose(%q): param %q, want the name sent", name, e.Param())
		}
		if p != "" {
			t.Errorf("ParsePurpose(%q) = %q alongside its error", name, p)
		}
	}
}
