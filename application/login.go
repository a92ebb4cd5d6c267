package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Login starts a session for valid credentials and hands the client a device token: the
// one it presented when that was valid, else a new one.
func (a *Accounts) Login(ctx context.Context, client ports.Client, cred ports.Credentials) (ports.Tokens, error) {
	user, device, err := a.checkCredentials(ctx, client, cred)
	if err != nil {
		return ports.Tokens{}, err
	}
	if device == "" {
		if device, err = a.deps.Devices.Issue(user.ID()); err != nil {
			return ports.Tokens{}, err
		}
	}
	tokens, err := a.startSession(ctx, user)
	if err != nil {
		return ports.Tokens{}, err
	}
	tokens.DeviceToken = device
	return tokens, nil
}

// IssueAPIToken returns the key of a new opaque token; only its hash is stored.
func (a *Accounts) IssueAPIToken(ctx context.Context, client ports.Client, cred ports.Credentials) (string, error) {
	user, _, err := a.checkCredentials(ctx, client, cred)
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

// checkCredentials verifies a password under the login limits and returns the user and the
// device token the client presented, when it was valid for that user.
func (a *Accounts) checkCredentials(ctx context.Context, client ports.Client, cred ports.Credentials) (*domain.User, string, error) {
	user, device, err := a.verifyCredentials(ctx, client, cred)
	var fieldErrs domain.FieldErrors
	switch {
	case err == nil:
		a.deps.Observer.Login(domain.LoginSucceeded)
	case errors.Is(err, domain.ErrThrottled):
		a.deps.Observer.Login(domain.LoginThrottled)
	case errors.As(err, &fieldErrs):
		a.deps.Observer.Login(domain.LoginInvalid)
	}
	return user, device, err
}

// loginLimits are the limits one attempt is judged on, what a success gives back, and
// what an attempt that ended before its password was checked gives back.
type loginLimits struct {
	claims    []limitChange
	onSuccess []ports.CounterChange
	unchecked []ports.CounterChange
}

// limitsFor judges a client that presents a valid device token for the account on that
// device's failures alone, so that failures from other clients or a shared IP never lock
// the owner out; a device that fails too often is locked like an account. Any other client
// is judged on its IP and the account (or the name it tried): the IP is claimed first, and
// a refused claim counts against neither.
func (a *Accounts) limitsFor(client ports.Client, username string, user *domain.User, device string, now time.Time) loginLimits {
	if device != "" {
		key := domain.LimitKey("login:device", device)
		return loginLimits{
			claims:    []limitChange{admission(key, now, a.cfg.Limits.LoginAccount, domain.LimitLoginDevice)},
			onSuccess: []ports.CounterChange{reset(key)},
			unchecked: []ports.CounterChange{refund(key)},
		}
	}
	ipKey := domain.LimitKey("login:ip", client.IP)
	account := domain.LimitKey("login:name", username)
	if user != nil {
		account = accountKey(user.ID())
	}
	return loginLimits{
		claims: []limitChange{
			admission(ipKey, now, a.cfg.Limits.LoginClientIP, domain.LimitLoginIP),
			admission(account, now, a.cfg.Limits.LoginAccount, domain.LimitLoginAccount),
		},
		// Many users may share an IP: its successes are not counted against it.
		onSuccess: []ports.CounterChange{reset(account), refund(ipKey)},
		unchecked: []ports.CounterChange{refund(ipKey), refund(account)},
	}
}

// verifyCredentials claims the attempt against its limits before the password is checked,
// so that concurrent guesses cannot pass a limit together. An unknown user costs the same
// work as a known one (a throttle update and a hash verification), so timing does not
// reveal accounts.
func (a *Accounts) verifyCredentials(ctx context.Context, client ports.Client, cred ports.Credentials) (*domain.User, string, error) {
	username, usernameErr := requiredText(cred.Username)
	password, passwordErr := requiredText(cred.Password)
	if errs := collect(
		domain.FieldError{Field: "username", Err: usernameErr},
		domain.FieldError{Field: "password", Err: passwordErr},
	); errs != nil {
		return nil, "", errs
	}
	user, err := a.deps.Users.ByLogin(ctx, username)
	if err != nil && !errors.Is(err, domain.ErrUserNotFound) {
		return nil, "", err
	}
	encoded, device := a.dummyHash, ""
	if user != nil {
		encoded = user.PasswordHash()
		if id, ok := a.deps.Devices.Check(cred.DeviceToken, user.ID()); ok {
			device = id
		}
	}
	// The user is looked up first, so that every claim goes to the store in one update.
	limits := a.limitsFor(client, username, user, device, a.deps.Clock.Now())
	if err := a.checkLimits(ctx, limits.claims...); err != nil {
		return nil, "", err
	}
	ok, err := a.deps.Passwords.Verify(ctx, encoded, password)
	if ctx.Err() != nil && err != nil {
		// The request ended before its password was checked: it is charged nothing.
		return nil, "", errors.Join(err, a.deps.Limits.UpdateCounters(context.WithoutCancel(ctx), limits.unchecked...))
	}
	if err != nil {
		return nil, "", fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok || user == nil || !user.Active() {
		return nil, "", domain.FieldErrors{{Field: "non_field_errors", Err: domain.ErrInvalidCredentials}}
	}
	if err := a.deps.Limits.UpdateCounters(ctx, limits.onSuccess...); err != nil {
		return nil, "", err
	}
	if device != "" {
		device = cred.DeviceToken
	}
	if a.deps.Passwords.NeedsRehash(encoded) {
		user, err = a.upgradeHash(ctx, user, password)
	}
	return user, device, err
}

// upgradeHash replaces an imported (Django) or outdated hash with a fresh Argon2id one,
// now that the password is known to be right; a password changed meanwhile is kept.
func (a *Accounts) upgradeHash(ctx context.Context, user *domain.User, password string) (*domain.User, error) {
	hash, err := a.deps.Passwords.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	verified := user.PasswordHash()
	return a.deps.Users.Update(ctx, user.ID(), func(u *domain.User) error {
		if u.PasswordHash() == verified {
			u.UpgradePasswordHash(hash)
		}
		return nil
	})
}
