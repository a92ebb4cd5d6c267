package application

import (
	"context"
	"errors"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Register validates every field, checks the code (counting a wrong guess even when
// other fields fail), and creates the user and consumes the code in one transaction.
func (a *Accounts) Register(ctx context.Context, req ports.SignUp) (ports.Registered, error) {
	username, usernameErr := requiredText(req.Username)
	if usernameErr == nil {
		taken, err := a.deps.Users.Taken(ctx, username)
		if err != nil {
			return ports.Registered{}, err
		}
		if taken {
			usernameErr = domain.ErrUserExists
		}
	}
	code, codeErr := codeText(req.Code, a.cfg.CodeLength)
	password, passwordErr := requiredText(req.Password)
	if passwordErr == nil {
		passwordErr = asDomainError(a.cfg.Passwords.Check(password))
	}

	var created *domain.User
	if username != "" && codeErr == nil {
		var err error
		created, err = a.redeem(ctx, username, code, password, usernameErr == nil && passwordErr == nil)
		switch {
		case errors.Is(err, domain.ErrUserExists):
			usernameErr = domain.ErrUserExists
		case err != nil:
			if codeErr = asDomainError(err); codeErr == nil || codeErr.Kind() != domain.KindInvalid {
				return ports.Registered{}, err // throttled, or the store is down
			}
		}
	}
	if a.cfg.EnumerationProtection && codeErr != nil && usernameErr == domain.ErrUserExists {
		usernameErr = nil // only the right code may learn that the mobile is registered
	}
	if errs := collect(
		domain.FieldError{Field: "username", Err: usernameErr},
		domain.FieldError{Field: "code", Err: codeErr},
		domain.FieldError{Field: "password", Err: passwordErr},
	); errs != nil {
		return ports.Registered{}, errs
	}
	tokens, err := a.startSession(ctx, created)
	if err != nil {
		return ports.Registered{}, err
	}
	return ports.Registered{User: created, Tokens: tokens}, nil
}

// redeem checks code against the newest code sent to username; when create is set and the
// code is right, it consumes the code and stores the new user in one transaction.
func (a *Accounts) redeem(ctx context.Context, username, code, password string, create bool) (*domain.User, error) {
	mobile, err := a.cfg.Mobiles.Parse(username)
	if err != nil {
		return nil, domain.ErrCodeMismatch // no code is ever sent to an invalid mobile
	}
	// Every verification of a live code counts against the mobile's daily budget, across
	// resends, so that new codes do not buy an attacker new guesses; guesses for a mobile
	// without a live code cannot spend its owner's budget.
	now := a.deps.Clock.Now()
	newest, err := a.deps.Codes.Newest(ctx, mobile.String())
	if err != nil {
		return nil, err
	}
	if err := newest.Live(now); err != nil {
		a.observeCode(err)
		return nil, err
	}
	budget := quota{domain.LimitKey("code:mobile", mobile.String()), 24 * time.Hour, a.cfg.Limits.CodeDaily, domain.LimitCodeFailures}
	if err := a.checkLimits(ctx, budget.take(now)); err != nil {
		return nil, err
	}
	submitted := a.deps.Secrets.CodeHash(mobile.String(), code)
	// consume returns decide for Registrar.Register: verify the code and, with a user,
	// consume it and have the user stored.
	consume := func(user *domain.User) func(*domain.VerifyCode) (*domain.User, error) {
		return func(vc *domain.VerifyCode) (*domain.User, error) {
			if vc == nil {
				return nil, domain.ErrCodeMismatch
			}
			if err := vc.Verify(submitted, a.deps.Clock.Now()); err != nil {
				return nil, err
			}
			if user != nil {
				vc.Consume()
			}
			return user, nil
		}
	}
	// Check the code first, so a wrong guess never costs a password hash; a right code
	// stays usable until the second transaction consumes it.
	if _, err := a.deps.Registrar.Register(ctx, mobile.String(), consume(nil)); err != nil || !create {
		a.observeCode(err)
		return nil, err
	}
	hash, err := a.deps.Passwords.Hash(ctx, password) // tens of milliseconds: outside any transaction
	if err != nil {
		return nil, err
	}
	user, err := domain.NewUser(mobile, hash, a.deps.Clock.Now())
	if err != nil {
		return nil, err
	}
	created, err := a.deps.Registrar.Register(ctx, mobile.String(), consume(user))
	if err == nil {
		a.deps.Observer.Code(domain.CodeVerified)
	} else {
		a.observeCode(err)
	}
	return created, err
}

// observeCode counts a failed verification by its reason.
func (a *Accounts) observeCode(err error) {
	for _, e := range []struct {
		err   error
		event domain.CodeEvent
	}{
		{domain.ErrCodeMismatch, domain.CodeMismatched},
		{domain.ErrCodeExpired, domain.CodeExpired},
		{domain.ErrCodeExhausted, domain.CodeExhausted},
	} {
		if errors.Is(err, e.err) {
			a.deps.Observer.Code(e.event)
		}
	}
}
