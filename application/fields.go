package application

import (
	"errors"
	"strings"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// requiredText returns a required text field with surrounding spaces trimmed, as the
// original's serializers did, or the reason it is unusable.
func requiredText(f ports.Field) (string, *domain.Error) {
	switch f.State {
	case ports.Missing:
		return "", domain.ErrRequired
	case ports.Null:
		return "", domain.ErrNull
	case ports.NotText, ports.Boolean:
		return "", domain.ErrNotAString
	}
	v := strings.TrimSpace(f.Value)
	if v == "" {
		return "", domain.ErrBlank
	}
	return v, nil
}

// codeText is requiredText for the code field, which has its own messages.
func codeText(f ports.Field, length int) (string, *domain.Error) {
	v, err := requiredText(f)
	switch err {
	case nil:
	case domain.ErrRequired, domain.ErrBlank:
		return "", domain.ErrCodeRequired
	default:
		return "", err
	}
	if err := domain.CheckCodeFormat(v, length); err != nil {
		return "", asDomainError(err)
	}
	return v, nil
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

// inFieldOrder merges field errors from several checks into the request's field order;
// it returns nil (an untyped nil error) when there are none.
func inFieldOrder(order []string, lists ...domain.FieldErrors) error {
	var merged domain.FieldErrors
	for _, name := range order {
		for _, list := range lists {
			for _, f := range list {
				if f.Field == name {
					merged = append(merged, f)
				}
			}
		}
	}
	if len(merged) == 0 {
		return nil
	}
	return merged
}
