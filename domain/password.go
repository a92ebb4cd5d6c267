package domain

import (
	"strconv"
	"unicode/utf8"
)

// PasswordPolicy is what a new password must satisfy: configuration, set once at start.
type PasswordPolicy struct{ MinLength int }

// Check returns ErrPasswordTooShort (with the minimum as param) for a short password.
// Length counts characters, not bytes, as Django does.
func (p PasswordPolicy) Check(password string) error {
	if utf8.RuneCountInString(password) < p.MinLength {
		return ErrPasswordTooShort.WithParam(strconv.Itoa(p.MinLength))
	}
	return nil
}
