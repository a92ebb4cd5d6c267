package application

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Login starts a session for valid credentials.
func (a *Accounts) Login(ctx context.Context, client ports.Client, cred ports.Credentials) (ports.Tokens, error) {
	user, err := a.checkCredentials(ctx, client, cred)
	if err != nil {
		return ports.Tokens{}, err
	}
	return a.startSession(ctx, user)
}

// IssueAPIToken returns the key of a new opaque token; only its hash is stored.
func (a *Accounts) IssueAPIToken(ctx context.Context, client ports.Client, cred ports.Credentials) (string, error) {
	user, err := a.checkCredentials(ctx, client, cred)
	if err != nil {
		return "", err
	}
	key, err := a.deps.Secrets.NewAPIKey()
	if err != nil {
		return "", err
	}
	now := a.deps.Clock.Now()
	err = a.deps.APITokens.Create(ctx, domain.APIToken{
		KeyHash:   a.deps.Secrets.APIKeyHash(key),
		UserID:    user.ID(),
		CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.APITokenTTL),
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// checkCredentials verifies a password under the login limits: each attempt is claimed
// against the client IP and the account before the password is checked, so concurrent
// guesses cannot pass a limit together. An unknown user costs the same work as a known
// one (a throttle update and a hash verification), so timing does not reveal accounts.
func (a *Accounts) checkCredentials(ctx context.Context, client ports.Client, cred ports.Credentials) (*domain.User, error) {
	user, err := a.verifyCredentials(ctx, client, cred)
	var fieldErrs domain.FieldErrors
	switch {
	case err == nil:
		a.deps.Observer.Login(domain.LoginSucceeded)
	case errors.Is(err, domain.ErrThrottled):
		a.deps.Observer.Login(domain.LoginThrottled)
	case errors.As(err, &fieldErrs):
		a.deps.Observer.Login(domain.LoginInvalid)
	}
	return user, err
}

func (a *Accounts) verifyCredentials(ctx context.Context, client ports.Client, cred ports.Credentials) (*domain.User, error) {
	username, usernameErr := requiredText(cred.Username)
	password, passwordErr := requiredText(cred.Password)
	if errs := collect(
		domain.FieldError{Field: "username", Err: usernameErr},
		domain.FieldError{Field: "password", Err: passwordErr},
	); errs != nil {
		return nil, errs
	}
	user, err := a.deps.Users.ByLogin(ctx, username)
	if err != nil && !errors.Is(err, domain.ErrUserNotFound) {
		return nil, err
	}
	ipKey := "login:ip:" + client.IP
	accountKey := "login:name:" + username
	encoded := a.dummyHash
	if user != nil {
		accountKey = "login:user:" + strconv.FormatInt(user.ID(), 10)
		encoded = user.PasswordHash()
	}
	// The user is looked up first, so that both claims go to the store in one update (a
	// refused IP costs that lookup); the client IP is claimed first, so that a refused IP
	// does not count against the account.
	now := a.deps.Clock.Now()
	if err := a.checkLimits(ctx,
		admission(ipKey, now, a.cfg.Limits.LoginClientIP, domain.LimitLoginIP),
		admission(accountKey, now, a.cfg.Limits.LoginAccount, domain.LimitLoginAccount)); err != nil {
		return nil, err
	}
	ok, err := a.deps.Passwords.Verify(encoded, password)
	if err != nil {
		return nil, fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok || user == nil || !user.Active() {
		return nil, domain.FieldErrors{{Field: "non_field_errors", Err: domain.ErrInvalidCredentials}}
	}
	err = a.deps.Limits.UpdateCounters(ctx,
		ports.CounterChange{Key: accountKey, Change: func(c *domain.Counter) error { c.Reset(); return nil }},
		ports.CounterChange{Key: ipKey, Change: func(c *domain.Counter) error { c.Refund(); return nil }})
	if err != nil {
		return nil, err
	}
	if a.deps.Passwords.NeedsRehash(encoded) {
		return a.upgradeHash(ctx, user, password)
	}
	return user, nil
}

// upgradeHash replaces an imported (Django) or outdated hash with a fresh Argon2id one,
// now that the password is known to be right.
func (a *Accounts) upgradeHash(ctx context.Context, user *domain.User, password string) (*domain.User, error) {
	hash, err := a.deps.Passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	return a.deps.Users.Update(ctx, user.ID(), func(u *domain.User) error {
		u.UpgradePasswordHash(hash)
		return nil
	})
}
