package application

import (
	"context"
	"errors"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Register signs a user up with the code sent to its mobile.
type Register struct {
	cfg       Config
	users     ports.UserRepository
	registrar ports.Registrar
	passwords ports.PasswordHasher
	clock     ports.Clock
	codes     codeCheck
	sessions  sessionStarter
}

// NewRegister builds the use case.
func NewRegister(cfg Config, users ports.UserRepository, codes ports.CodeRepository, registrar ports.Registrar,
	passwords ports.PasswordHasher, secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore,
	observer ports.Observer, sessions ports.SessionRepository, tokens ports.AccessTokens) *Register {
	return &Register{cfg, users, registrar, passwords, clock,
		newCodeCheck(cfg, codes, registrar, secrets, clock, limits, observer),
		sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle validates every field, checks the code (counting a wrong guess even when other
// fields fail), and creates the user and consumes the code in one transaction.
func (h *Register) Handle(ctx context.Context, cmd ports.Register) (ports.Registered, error) {
	usernameErr := required(cmd.Username)
	if usernameErr == nil {
		taken, err := h.users.Taken(ctx, h.cfg.Mobiles.Spellings(cmd.Username)...)
		if err != nil {
			return ports.Registered{}, err
		}
		if taken {
			usernameErr = domain.ErrUserExists
		}
	}
	codeErr := domain.ErrCodeRequired
	if cmd.Code != "" {
		codeErr = asDomainError(domain.CheckCodeFormat(cmd.Code, h.cfg.CodeLength))
	}
	passwordErr := required(cmd.Password)
	if passwordErr == nil {
		passwordErr = asDomainError(h.cfg.Passwords.Check(cmd.Password))
	}

	var created *domain.User
	if cmd.Username != "" && codeErr == nil {
		var err error
		created, err = h.redeem(ctx, cmd.Username, cmd.Code, cmd.Password, usernameErr == nil && passwordErr == nil)
		switch {
		case errors.Is(err, domain.ErrUserExists):
			usernameErr = domain.ErrUserExists
		case err != nil:
			if codeErr = asDomainError(err); codeErr == nil || codeErr.Kind() != domain.KindInvalid {
				return ports.Registered{}, err // throttled, or the store is down
			}
		}
	}
	// usernameErr is a *domain.Error: a nil one inside an error interface is not nil, and
	// errors.Is would call its Is method on a nil pointer.
	if h.cfg.EnumerationProtection && codeErr != nil && usernameErr != nil && errors.Is(usernameErr, domain.ErrUserExists) {
		usernameErr = nil // only the right code may learn that the mobile is registered
	}
	if errs := collect(
		domain.FieldError{Field: "username", Err: usernameErr},
		domain.FieldError{Field: "code", Err: codeErr},
		domain.FieldError{Field: "password", Err: passwordErr},
	); errs != nil {
		return ports.Registered{}, errs
	}
	tokens, err := h.sessions.start(ctx, created)
	if err != nil {
		return ports.Registered{}, err
	}
	return ports.Registered{User: created, Tokens: tokens}, nil
}

// redeem checks code against the newest code sent to username; when create is set and the
// code is right, it consumes the code and stores the new user in one transaction.
func (h *Register) redeem(ctx context.Context, username, code, password string, create bool) (*domain.User, error) {
	mobile, err := h.cfg.Mobiles.Parse(username)
	if err != nil {
		return nil, domain.ErrCodeMismatch // no code is ever sent to an invalid mobile
	}
	admitted := h.codes.clock.Now()
	if err := h.codes.admit(ctx, mobile); err != nil {
		return nil, err
	}
	// Check the code first, so a wrong guess never costs a password hash; a right code
	// stays usable until the second transaction consumes it.
	if err := h.codes.check(ctx, domain.PurposeRegister, mobile, code); err != nil || !create {
		return nil, err
	}
	hash, err := h.passwords.Hash(ctx, password) // tens of milliseconds: outside any transaction
	if unchecked(ctx, err) {
		return nil, errors.Join(err, h.codes.giveBack(ctx, mobile, admitted))
	}
	if err != nil {
		return nil, err
	}
	user, err := domain.NewUser(mobile, hash, h.clock.Now())
	if err != nil {
		return nil, err
	}
	verify := h.codes.verifier(domain.PurposeRegister, mobile, code, true)
	created, err := h.registrar.Register(ctx, mobile.String(), func(vc *domain.VerifyCode) (*domain.User, error) {
		if err := verify(vc); err != nil {
			return nil, err
		}
		return user, nil
	})
	h.codes.observe(ctx, mobile, err)
	return created, err
}
