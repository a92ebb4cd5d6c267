package application

import (
	"errors"

	"github.com/phoneauth/phoneauth/domain"
)

// required is the rule every required text follows: "" is no value. An adapter that saw
// the field missing, null or blank says so itself, and its word wins.
func required(v string) *domain.Error {
	if v == "" {
		return domain.ErrRequired
	}
	return nil
}

// asDomainError returns err as a *domain.Error, or nil when err is nil or of another type.
func asDomainError(err error) *domain.Error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// collect keeps the failing fields, in the order given; nil when none failed.
func collect(fields ...domain.FieldError) domain.FieldErrors {
	var errs domain.FieldErrors
	for _, f := range fields {
		if f.Err != nil {
			errs = append(errs, f)
		}
	}
	return errs
}
