package domain

import (
	"fmt"
	"regexp"
)

// Mobile is a mobile number that matched the configured pattern.
type Mobile struct{ number string }

func (m Mobile) String() string { return m.number }

// MobilePolicy says what counts as a valid mobile number.
type MobilePolicy struct{ pattern *regexp.Regexp }

// NewMobilePolicy compiles pattern; it is anchored as written, so `^...$` is up to the caller.
func NewMobilePolicy(pattern string) (MobilePolicy, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return MobilePolicy{}, fmt.Errorf("mobile pattern: %w", err)
	}
	return MobilePolicy{pattern: re}, nil
}

// Parse returns the Mobile for raw, or ErrInvalidMobile.
func (p MobilePolicy) Parse(raw string) (Mobile, error) {
	if !p.pattern.MatchString(raw) {
		return Mobile{}, ErrInvalidMobile
	}
	return Mobile{number: raw}, nil
}
