package application

import (
	"context"
	"errors"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Register signs a user up with the code sent to its mobile.
type Register struct {
	cfg       Config
	users     ports.UserRepository
	codes     ports.CodeRepository
	registrar ports.Registrar
	passwords ports.PasswordHasher
	secrets   ports.Secrets
	clock     ports.Clock
	limits    limiter
	observer  ports.Observer
	sessions  sessionStarter
}

// NewRegister builds the use case.
func NewRegister(cfg Config, users ports.UserRepository, codes ports.CodeRepository, registrar ports.Registrar,
	passwords ports.PasswordHasher, secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore,
	observer ports.Observer, sessions ports.SessionRepository, tokens ports.AccessTokens) *Register {
	return &Register{cfg, users, codes, registrar, passwords, secrets, clock, limiter{limits, observer}, observer,
		sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle validates every field, checks the code (counting a wrong guess even when other
// fields fail), and creates the user and consumes the code in one transaction.
func (h *Register) Handle(ctx context.Context, cmd ports.Register) (ports.Registered, error) {
	usernameErr := required(cmd.Username)
	if usernameErr == nil {
		taken, err := h.users.Taken(ctx, cmd.Username)
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
	if h.cfg.EnumerationProtection && codeErr != nil && errors.Is(usernameErr, domain.ErrUserExists) {
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
	// Every verification of a live code counts against the mobile's daily budget, across
	// resends, so that new codes do not buy an attacker new guesses; guesses for a mobile
	// without a live code cannot spend its owner's budget.
	now := h.clock.Now()
	newest, err := h.codes.Newest(ctx, mobile.String())
	if err != nil {
		return nil, err
	}
	if err := newest.Live(now); err != nil {
		h.observeCode(err)
		return nil, err
	}
	budget := quota{domain.LimitKey("code:mobile", mobile.String()), 24 * time.Hour, h.cfg.Limits.CodeDaily, domain.LimitCodeFailures}
	if err := h.limits.check(ctx, budget.take(now)); err != nil {
		return nil, err
	}
	submitted := h.secrets.CodeHash(mobile.String(), code)
	// consume returns decide for Registrar.Register: verify the code and, with a user,
	// consume it and have the user stored.
	consume := func(user *domain.User) func(*domain.VerifyCode) (*domain.User, error) {
		return func(vc *domain.VerifyCode) (*domain.User, error) {
			if vc == nil {
				return nil, domain.ErrCodeMismatch
			}
			if err := vc.Verify(submitted, h.clock.Now()); err != nil {
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
	if _, err := h.registrar.Register(ctx, mobile.String(), consume(nil)); err != nil || !create {
		h.observeCode(err)
		return nil, err
	}
	hash, err := h.passwords.Hash(ctx, password) // tens of milliseconds: outside any transaction
	if err != nil {
		return nil, err
	}
	user, err := domain.NewUser(mobile, hash, h.clock.Now())
	if err != nil {
		return nil, err
	}
	created, err := h.registrar.Register(ctx, mobile.String(), consume(user))
	if err == nil {
		h.observer.Code(domain.CodeVerified)
	} else {
		h.observeCode(err)
	}
	return created, err
}

// observeCode counts a failed verification by its reason.
func (h *Register) observeCode(err error) {
	for _, e := range []struct {
		err   error
		event domain.CodeEvent
	}{
		{domain.ErrCodeMismatch, domain.CodeMismatched},
		{domain.ErrCodeExpired, domain.CodeExpired},
		{domain.ErrCodeExhausted, domain.CodeExhausted},
	} {
		if errors.Is(err, e.err) {
			h.observer.Code(e.event)
		}
	}
}
