package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// LogIn starts a session for a username or mobile and a password.
type LogIn struct {
	credentials *Credentials
	devices     ports.DeviceTokens
	sessions    sessionStarter
}

// NewLogIn builds the use case.
func NewLogIn(credentials *Credentials, devices ports.DeviceTokens, secrets ports.Secrets, clock ports.Clock,
	sessions ports.SessionRepository, tokens ports.AccessTokens) *LogIn {
	return &LogIn{credentials, devices, sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle starts a session for valid credentials and hands the client a device token: the
// one it presented when that was valid, else a new one.
func (h *LogIn) Handle(ctx context.Context, cmd ports.LogIn) (ports.Tokens, error) {
	user, device, err := h.credentials.check(ctx, cmd)
	if err != nil {
		return ports.Tokens{}, err
	}
	return h.sessions.startOnDevice(ctx, user, device, h.devices)
}

// IssueAPIToken hands out an opaque API token for valid credentials.
type IssueAPIToken struct {
	ttl         time.Duration
	credentials *Credentials
	apiTokens   ports.APITokenRepository
	secrets     ports.Secrets
	clock       ports.Clock
}

// NewIssueAPIToken builds the use case.
func NewIssueAPIToken(cfg Config, credentials *Credentials, apiTokens ports.APITokenRepository, secrets ports.Secrets,
	clock ports.Clock) *IssueAPIToken {
	return &IssueAPIToken{cfg.APITokenTTL, credentials, apiTokens, secrets, clock}
}

// Handle returns the key of a new opaque token; only its hash is stored.
func (h *IssueAPIToken) Handle(ctx context.Context, cmd ports.LogIn) (string, error) {
	user, _, err := h.credentials.check(ctx, cmd)
	if err != nil {
		return "", err
	}
	key, err := h.secrets.NewAPIKey()
	if err != nil {
		return "", err
	}
	now := h.clock.Now()
	err = h.apiTokens.Create(ctx, domain.APIToken{
		KeyHash:   h.secrets.APIKeyHash(key),
		UserID:    user.ID(),
		CreatedAt: now,
		ExpiresAt: now.Add(h.ttl),
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Credentials verifies passwords under the login limits, for the use cases that log in.
type Credentials struct {
	cfg       Config
	users     ports.UserRepository
	passwords ports.PasswordHasher
	devices   ports.DeviceTokens
	clock     ports.Clock
	limits    limiter
	observer  ports.Observer
	// dummyHash is verified when a login names no user, so that an unknown user costs
	// the same time as a wrong password and does not reveal itself.
	dummyHash string
}

// NewCredentials builds the password check of the login use cases.
func NewCredentials(cfg Config, users ports.UserRepository, passwords ports.PasswordHasher, devices ports.DeviceTokens,
	clock ports.Clock, limits ports.LimitStore, observer ports.Observer) (*Credentials, error) {
	dummy, err := passwords.Hash(context.Background(), "phoneauth timing equaliser")
	if err != nil {
		return nil, fmt.Errorf("dummy password hash: %w", err)
	}
	return &Credentials{cfg, users, passwords, devices, clock, limiter{limits, observer}, observer, dummy}, nil
}

// check verifies a password under the login limits and returns the user and the device
// token the client presented, when it was valid for that user.
func (c *Credentials) check(ctx context.Context, cmd ports.LogIn) (*domain.User, string, error) {
	user, device, err := c.verify(ctx, cmd)
	c.observe(err)
	return user, device, err
}

// observe counts a login attempt by its outcome.
func (c *Credentials) observe(err error) {
	var fieldErrs domain.FieldErrors
	switch {
	case err == nil:
		c.observer.Login(domain.LoginSucceeded)
	case errors.Is(err, domain.ErrThrottled):
		c.observer.Login(domain.LoginThrottled)
	case errors.As(err, &fieldErrs):
		c.observer.Login(domain.LoginInvalid)
	}
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
func (c *Credentials) limitsFor(client ports.Client, username string, user *domain.User, device string, now time.Time) loginLimits {
	if device != "" {
		key := domain.LimitKey("login:device", device)
		return loginLimits{
			claims:    []limitChange{admission(key, now, c.cfg.Limits.LoginAccount, domain.LimitLoginDevice)},
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
			admission(ipKey, now, c.cfg.Limits.LoginClientIP, domain.LimitLoginIP),
			admission(account, now, c.cfg.Limits.LoginAccount, domain.LimitLoginAccount),
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
func (c *Credentials) verify(ctx context.Context, cmd ports.LogIn) (*domain.User, string, error) {
	username, password := cmd.Username, cmd.Password
	if errs := collect(
		domain.FieldError{Field: "username", Err: required(username)},
		domain.FieldError{Field: "password", Err: required(password)},
	); errs != nil {
		return nil, "", errs
	}
	user, err := c.lookUp(ctx, username)
	if err != nil {
		return nil, "", err
	}
	encoded, device := c.dummyHash, ""
	if user != nil {
		encoded = user.PasswordHash()
		if id, ok := c.devices.Check(cmd.DeviceToken, user.ID()); ok {
			device = id
		}
	}
	// The user is looked up first, so that every claim goes to the store in one update.
	limits := c.limitsFor(cmd.Client, c.cfg.Mobiles.Key(username), user, device, c.clock.Now())
	if err := c.limits.check(ctx, limits.claims...); err != nil {
		return nil, "", err
	}
	ok, err := c.passwords.Verify(ctx, encoded, password)
	if unchecked(ctx, err) {
		// The request ended, or was shed, before its password was checked: it is charged nothing.
		return nil, "", errors.Join(err, c.limits.settle(context.WithoutCancel(ctx), limits.unchecked...))
	}
	if err != nil {
		return nil, "", fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok || user == nil || !user.Active() {
		return nil, "", domain.FieldErrors{{Field: "non_field_errors", Err: domain.ErrInvalidCredentials}}
	}
	if err := c.limits.settle(ctx, limits.onSuccess...); err != nil {
		return nil, "", err
	}
	if device != "" {
		device = cmd.DeviceToken
	}
	if c.passwords.NeedsRehash(encoded) {
		user, err = c.upgradeHash(ctx, user, password)
	}
	return user, device, err
}

// unchecked tells whether err means that a password was not hashed at all: the request
// ended while it waited for the hasher, or the hasher shed it (domain.ErrBusy). Such a
// request is charged nothing.
func unchecked(ctx context.Context, err error) bool {
	return err != nil && (ctx.Err() != nil || errors.Is(err, domain.ErrBusy))
}

// lookUp finds the user a login names, or nil: by the name as typed (a username match
// wins, as always), else, when it is a number, by its canonical and shown forms, which
// any spelling of the number reaches. Every form is looked up, found or not, so that the
// time taken does not tell whether the account exists.
func (c *Credentials) lookUp(ctx context.Context, login string) (*domain.User, error) {
	var found *domain.User
	for _, s := range c.cfg.Mobiles.Spellings(login) {
		user, err := c.users.ByLogin(ctx, s)
		switch {
		case errors.Is(err, domain.ErrUserNotFound):
		case err != nil:
			return nil, err
		case found == nil:
			found = user
		}
	}
	return found, nil
}

// upgradeHash replaces an imported (Django) or outdated hash with a fresh Argon2id one,
// now that the password is known to be right; a password changed meanwhile is kept.
func (c *Credentials) upgradeHash(ctx context.Context, user *domain.User, password string) (*domain.User, error) {
	hash, err := c.passwords.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	verified := user.PasswordHash()
	return c.users.Update(ctx, user.ID(), func(u *domain.User) error {
		if u.PasswordHash() == verified {
			u.UpgradePasswordHash(hash)
		}
		return nil
	})
}
