package application

import (
	"context"
	"errors"
	"strings"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Profile returns the caller, as loaded when the request was authenticated.
func (a *Accounts) Profile(_ context.Context, caller ports.Principal) (*domain.User, error) {
	return caller.User, nil
}

// UpdateProfile applies the fields sent; mobile is not among them, since a new number would need a new code.
func (a *Accounts) UpdateProfile(ctx context.Context, caller ports.Principal, req ports.ProfileUpdate) (*domain.User, error) {
	var change domain.ProfileChange
	var shapeErrs domain.FieldErrors
	optional := func(name string, f ports.Field, trim, nullable bool) *string {
		var err *domain.Error
		switch f.State {
		case ports.Missing:
			return nil
		case ports.Null:
			if nullable {
				return new(string)
			}
			err = domain.ErrNull
		case ports.NotText, ports.Boolean:
			err = domain.ErrNotAString
		case ports.Text:
			v := f.Value
			if trim {
				v = strings.TrimSpace(v)
			}
			return &v
		}
		shapeErrs = append(shapeErrs, domain.FieldError{Field: name, Err: err})
		return nil
	}
	change.Name = optional("name", req.Name, true, true)
	change.Gender = optional("gender", req.Gender, false, false)
	change.Birthday = optional("birthday", req.Birthday, false, true)
	change.Email = optional("email", req.Email, true, true)

	return a.deps.Users.Update(ctx, caller.User.ID(), func(u *domain.User) error {
		err := u.ChangeProfile(change)
		var ruleErrs domain.FieldErrors
		if err != nil && !errors.As(err, &ruleErrs) {
			return err
		}
		return inFieldOrder([]string{"name", "gender", "birthday", "email"}, shapeErrs, ruleErrs)
	})
}
