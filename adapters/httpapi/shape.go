package httpapi

import (
	"cmp"
	"errors"
	"strings"

	"github.com/phoneauth/phoneauth/domain"
)

// fieldState says how a request field arrived.
type fieldState uint8

const (
	missing fieldState = iota // the key was absent
	null                      // the key held a JSON null
	text                      // the key held a string (or a number, as its literal text)
	notText                   // the key held an array or an object
	boolean                   // the key held a JSON boolean; value is "true" or "false"
)

// field is one request field as the client sent it.
type field struct {
	state fieldState
	value string
}

// textField is a field that arrived as the string s.
func textField(s string) field { return field{state: text, value: s} }

// shape collects what is wrong with the shape of a request's fields, as DRF's serializer
// fields report it; the use cases check the rules.
type shape struct {
	errs domain.FieldErrors
}

// required reads a required text field, trimmed as DRF's CharField does. A field that is
// missing or blank is reported as absent when given (a code has its own message), else with
// DRF's "This field is required." and "This field may not be blank.".
func (s *shape) required(body fields, name string, absent *domain.Error) string {
	f := body[name]
	var err *domain.Error
	switch f.state {
	case missing:
		err = cmp.Or(absent, domain.ErrRequired)
	case null:
		err = domain.ErrNull
	case notText, boolean:
		err = domain.ErrNotAString
	case text:
		if v := strings.TrimSpace(f.value); v != "" {
			return v
		}
		err = cmp.Or(absent, domain.ErrBlank)
	}
	s.errs = append(s.errs, domain.FieldError{Field: name, Err: err})
	return ""
}

// optional reads an optional text field: nil when missing; null is an empty text for a
// nullable field.
func (s *shape) optional(body fields, name string, trim, nullable bool) *string {
	f := body[name]
	var err *domain.Error
	switch f.state {
	case missing:
		return nil
	case null:
		if nullable {
			return new(string)
		}
		err = domain.ErrNull
	case notText, boolean:
		err = domain.ErrNotAString
	case text:
		v := f.value
		if trim {
			v = strings.TrimSpace(v)
		}
		return &v
	}
	s.errs = append(s.errs, domain.FieldError{Field: name, Err: err})
	return nil
}

// merge answers a use case's outcome err together with the shape errors, field by field
// in order: a field's shape errors, when it has any, stand for it. Any other failure (a
// limit, an outage) is answered as it is.
func (s *shape) merge(err error, order ...string) error {
	if s.errs == nil {
		return err
	}
	var ruleErrs domain.FieldErrors
	if err != nil && !errors.As(err, &ruleErrs) {
		return err
	}
	var merged domain.FieldErrors
	for _, name := range order {
		found := pick(s.errs, name)
		if found == nil {
			found = pick(ruleErrs, name)
		}
		merged = append(merged, found...)
	}
	return merged
}

// pick returns the errors of the named field.
func pick(errs domain.FieldErrors, name string) domain.FieldErrors {
	var out domain.FieldErrors
	for _, e := range errs {
		if e.Field == name {
			out = append(out, e)
		}
	}
	return out
}
