package domain_test

import (
	"errors"
	"testing"

	"github.com/phoneauth/phoneauth/domain"
)

func newUser(t *testing.T) *domain.User {
	t.Helper()
	policy, _ := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	mobile, _ := policy.Parse("13800000000")
	u, err := domain.NewUser(mobile, "$argon2id$hash", sent)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewUserDefaults(t *testing.T) {
	u := newUser(t)
	if u.Username() != "13800000000" || u.Mobile() != "13800000000" || u.Gender() != domain.GenderFemale || !u.Active() {
		t.Fatalf("unexpected user %+v", *u)
	}
	if u.DisplayName() != "13800000000" {
		t.Fatalf("DisplayName = %q, want the username when no name is set", u.DisplayName())
	}
}

func TestChangeProfileIsAllOrNothing(t *testing.T) {
	u := newUser(t)
	name, gender, email := "Ming", "robot", "not an email"
	err := u.ChangeProfile(domain.ProfileChange{Name: &name, Gender: &gender, Email: &email})
	var fields domain.FieldErrors
	if !errors.As(err, &fields) || len(fields) != 2 || fields[0].Field != "gender" || fields[1].Field != "email" {
		t.Fatalf("got %v, want gender and email errors in that order", err)
	}
	if u.Name() != "" {
		t.Fatal("a rejected change wrote the name")
	}
}

func TestChangeProfile(t *testing.T) {
	u := newUser(t)
	name, gender, birthday, email := "小明", "male", "1990-05-17", "ming@example.com"
	if err := u.ChangeProfile(domain.ProfileChange{Name: &name, Gender: &gender, Birthday: &birthday, Email: &email}); err != nil {
		t.Fatal(err)
	}
	if u.Name() != name || u.Gender() != domain.GenderMale || domain.FormatBirthday(u.Birthday()) != birthday || u.Email() != email {
		t.Fatalf("unexpected user %+v", *u)
	}
	if u.DisplayName() != name {
		t.Fatalf("DisplayName = %q", u.DisplayName())
	}
	empty := ""
	if err := u.ChangeProfile(domain.ProfileChange{Birthday: &empty}); err != nil || !u.Birthday().IsZero() {
		t.Fatalf("clearing the birthday: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	p := domain.PasswordPolicy{MinLength: 8}
	if err := p.Check("七个字的密码码"); !errors.Is(err, domain.ErrPasswordTooShort) {
		t.Fatalf("7 characters: got %v", err)
	}
	if err := p.Check("八个字的密码密码"); err != nil {
		t.Fatalf("8 characters (24 bytes): %v", err)
	}
}

func parseMobile(t *testing.T, raw string) domain.Mobile {
	t.Helper()
	policy, err := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := policy.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChangeMobileTakesTheUsernameAlongWhenItWasTheNumber(t *testing.T) {
	u := newUser(t) // signed up: the username is the mobile
	if err := u.ChangeMobile(parseMobile(t, "13900000001"), ""); err != nil {
		t.Fatal(err)
	}
	if u.Mobile() != "13900000001" || u.Username() != "13900000001" {
		t.Fatalf("username %q, mobile %q; want both the new number", u.Username(), u.Mobile())
	}
}

func TestChangeMobileKeepsAnotherUsername(t *testing.T) {
	u := domain.UnmarshalUserFromDatabase(domain.UserRecord{
		ID: 7, Username: "zhang", Mobile: "13800000000", PasswordHash: "hash", Active: true, DateJoined: sent,
	})
	if err := u.ChangeMobile(parseMobile(t, "13900000001"), ""); err != nil {
		t.Fatal(err)
	}
	if u.Mobile() != "13900000001" || u.Username() != "zhang" {
		t.Fatalf("username %q, mobile %q; want zhang and the new number", u.Username(), u.Mobile())
	}
}

func TestChangeMobileRefusesTheCurrentNumber(t *testing.T) {
	u := newUser(t)
	if err := u.ChangeMobile(parseMobile(t, "13800000000"), ""); !errors.Is(err, domain.ErrSameMobile) {
		t.Fatalf("got %v, want ErrSameMobile", err)
	}
	if err := u.ChangeMobile(domain.Mobile{}, ""); !errors.Is(err, domain.ErrInvalidMobile) {
		t.Fatalf("no number: got %v, want ErrInvalidMobile", err)
	}
	if u.Mobile() != "13800000000" || u.Username() != "13800000000" {
		t.Fatalf("a refused change wrote username %q, mobile %q", u.Username(), u.Mobile())
	}
}
