package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// Mobile is a mobile number that matched the configured pattern.
type Mobile struct{ number string }

func (m Mobile) String() string { return m.number }

// MobilePolicy says what counts as a valid mobile number and which numbers may be sent
// a code.
type MobilePolicy struct {
	pattern  *regexp.Regexp
	prefixes []string
}

// NewMobilePolicy compiles pattern; it is anchored as written, so `^...$` is up to the
// caller. With prefixes, codes go only to numbers that start with one of them.
func NewMobilePolicy(pattern string, prefixes ...string) (MobilePolicy, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return MobilePolicy{}, fmt.Errorf("mobile pattern: %w", err)
	}
	return MobilePolicy{pattern: re, prefixes: prefixes}, nil
}

// Reachable returns ErrPrefixNotAllowed for a number outside the allowed prefixes, so that
// no SMS is paid for to a country the shop does not serve.
func (p MobilePolicy) Reachable(m Mobile) error {
	if len(p.prefixes) == 0 {
		return nil
	}
	for _, prefix := range p.prefixes {
		if strings.HasPrefix(m.number, prefix) {
			return nil
		}
	}
	return ErrPrefixNotAllowed
}

// Parse returns the Mobile for raw, or ErrInvalidMobile.
func (p MobilePolicy) Parse(raw string) (Mobile, error) {
	if !p.pattern.MatchString(raw) {
		return Mobile{}, ErrInvalidMobile
	}
	return Mobile{number: raw}, nil
}
