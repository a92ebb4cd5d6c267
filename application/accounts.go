// Package application holds the use cases of phone sign-up and login. It speaks only
// domain types and ports; adapters drive it and are driven by it.
package application

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Config is what the use cases need from configuration.
type Config struct {
	Mobiles        domain.MobilePolicy
	Passwords      domain.PasswordPolicy
	CodeLength     int
	CodeTTL        time.Duration
	ResendInterval time.Duration
	MaxAttempts    int
	SMSTemplate    string // "{code}" is replaced by the code
	APITokenTTL    time.Duration
	Refresh        domain.RefreshPolicy
	Limits         Limits
	// EnumerationProtection hides whether a mobile is registered: /code/ answers as if it
	// sent a code, and registration reveals a taken username only to the right code.
	EnumerationProtection bool
	// RegisteredTemplate, when set under EnumerationProtection, is texted to a registered
	// mobile that asks for a code.
	RegisteredTemplate string
}

// Limits are the abuse limits; each counter lives in the LimitStore.
type Limits struct {
	MobileDaily   int // codes sent to one mobile per day
	IPHourly      int // codes requested from one client IP per hour
	GlobalHourly  int // codes sent in all per hour: the bill's circuit breaker
	CodeDaily     int // code verifications for one mobile per day, across resends
	LoginAccount  domain.Backoff
	LoginClientIP domain.Backoff
}

// Deps are the driven ports the use cases call.
type Deps struct {
	Users     ports.UserRepository
	Codes     ports.CodeRepository
	Registrar ports.Registrar
	APITokens ports.APITokenRepository
	Sessions  ports.SessionRepository
	SMS       ports.SMSSender
	Tokens    ports.AccessTokens
	Passwords ports.PasswordHasher
	Secrets   ports.Secrets
	Clock     ports.Clock
	Limits    ports.LimitStore
	Observer  ports.Observer
}

// Accounts implements ports.Accounts.
type Accounts struct {
	cfg  Config
	deps Deps
	// dummyHash is verified when a login names no user, so that an unknown user costs
	// the same time as a wrong password and does not reveal itself.
	dummyHash string
}

var _ ports.Accounts = (*Accounts)(nil)

// NewAccounts builds the use cases.
func NewAccounts(cfg Config, deps Deps) (*Accounts, error) {
	dummy, err := deps.Passwords.Hash("phoneauth timing equaliser")
	if err != nil {
		return nil, fmt.Errorf("dummy password hash: %w", err)
	}
	return &Accounts{cfg: cfg, deps: deps, dummyHash: dummy}, nil
}

// SendCode checks the mobile in the contract's order (taken, then format, then interval),
// reserves the send slot atomically, takes the send quotas, sends, and stores the code only
// once the provider accepted it.
func (a *Accounts) SendCode(ctx context.Context, client ports.Client, field ports.Field) (string, error) {
	raw, ferr := requiredText(field)
	if ferr != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: ferr}}
	}
	registered, err := a.deps.Users.Taken(ctx, raw)
	if err != nil {
		return "", err
	}
	if registered && !a.cfg.EnumerationProtection {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrUserExists}}
	}
	mobile, err := a.cfg.Mobiles.Parse(raw)
	if err != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrInvalidMobile}}
	}
	if err := a.cfg.Mobiles.Reachable(mobile); err != nil {
		a.deps.Observer.Refused(domain.LimitPrefix)
		return "", domain.FieldErrors{{Field: "mobile", Err: asDomainError(err)}}
	}
	now := a.deps.Clock.Now()
	if err := a.deps.Codes.Reserve(ctx, mobile.String(), now, now.Add(-a.cfg.ResendInterval)); err != nil {
		if errors.Is(err, domain.ErrResendTooSoon) {
			a.deps.Observer.Refused(domain.LimitResendInterval)
			seconds := fmt.Sprint(int(a.cfg.ResendInterval / time.Second))
			return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrResendTooSoon.WithParam(seconds)}}
		}
		return "", err
	}
	err = a.takeSendQuotas(ctx, client, mobile, now)
	if err == nil {
		err = a.deliver(ctx, mobile, registered, now)
	}
	if err != nil {
		// Nothing was sent, so the interval must not start; the release outlives a cancelled request.
		if rerr := a.deps.Codes.Release(context.WithoutCancel(ctx), mobile.String(), now); rerr != nil {
			err = errors.Join(err, rerr)
		}
		var refused *domain.Error
		if errors.As(err, &refused) && errors.Is(refused, domain.ErrSMSRefused) {
			return "", domain.FieldErrors{{Field: "mobile", Err: refused}}
		}
		return "", err
	}
	return mobile.String(), nil
}

// takeSendQuotas counts one send against the per-mobile, per-IP and global limits.
func (a *Accounts) takeSendQuotas(ctx context.Context, client ports.Client, mobile domain.Mobile, now time.Time) error {
	quotas := []struct {
		key    string
		window time.Duration
		limit  int
		reason domain.LimitReason
	}{
		{"sms:mobile:" + mobile.String(), 24 * time.Hour, a.cfg.Limits.MobileDaily, domain.LimitMobileDaily},
		{"sms:ip:" + client.IP, time.Hour, a.cfg.Limits.IPHourly, domain.LimitIPHourly},
		{"sms:global", time.Hour, a.cfg.Limits.GlobalHourly, domain.LimitGlobalHourly},
	}
	for _, q := range quotas {
		err := a.deps.Limits.UpdateCounter(ctx, q.key, func(c *domain.Counter) error { return c.Take(now, q.window, q.limit) })
		if err != nil {
			if errors.Is(err, domain.ErrThrottled) {
				a.deps.Observer.Refused(q.reason)
			}
			return err
		}
	}
	return nil
}

// deliver sends a new code, or, to a registered mobile under enumeration protection,
// nothing or the configured notice.
func (a *Accounts) deliver(ctx context.Context, mobile domain.Mobile, registered bool, now time.Time) error {
	switch {
	case !registered:
		return a.sendCode(ctx, mobile, now)
	case a.cfg.RegisteredTemplate != "":
		return a.deps.SMS.Send(ctx, mobile.String(), a.cfg.RegisteredTemplate)
	default:
		return nil
	}
}

func (a *Accounts) sendCode(ctx context.Context, mobile domain.Mobile, now time.Time) error {
	code, err := a.deps.Secrets.NewCode(a.cfg.CodeLength)
	if err != nil {
		return err
	}
	if err := a.deps.SMS.Send(ctx, mobile.String(), strings.ReplaceAll(a.cfg.SMSTemplate, "{code}", code)); err != nil {
		return err
	}
	vc, err := domain.NewVerifyCode(mobile, a.deps.Secrets.CodeHash(mobile.String(), code), now, a.cfg.CodeTTL, a.cfg.MaxAttempts)
	if err != nil {
		return err
	}
	// The SMS is out: the code must be saved even if the client has gone away.
	if err := a.deps.Codes.Save(context.WithoutCancel(ctx), vc); err != nil {
		return err
	}
	a.deps.Observer.Code(domain.CodeIssued)
	return nil
}

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
	// Every verification counts against the mobile's daily budget, across resends, so
	// that new codes do not buy an attacker new guesses.
	now := a.deps.Clock.Now()
	err = a.deps.Limits.UpdateCounter(ctx, "code:mobile:"+mobile.String(), func(c *domain.Counter) error {
		return c.Take(now, 24*time.Hour, a.cfg.Limits.CodeDaily)
	})
	if err != nil {
		if errors.Is(err, domain.ErrThrottled) {
			a.deps.Observer.Refused(domain.LimitCodeFailures)
		}
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
	hash, err := a.deps.Passwords.Hash(password) // tens of milliseconds: outside any transaction
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

// Login starts a session for valid credentials.
func (a *Accounts) Login(ctx context.Context, client ports.Client, cred ports.Credentials) (ports.Tokens, error) {
	user, err := a.checkCredentials(ctx, client, cred)
	if err != nil {
		return ports.Tokens{}, err
	}
	return a.startSession(ctx, user)
}

// startSession stores a new session with its first refresh token and signs an access
// token bound to it.
func (a *Accounts) startSession(ctx context.Context, user *domain.User) (ports.Tokens, error) {
	id, err := a.deps.Secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	refresh, err := a.deps.Secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	now := a.deps.Clock.Now()
	err = a.deps.Sessions.StartSession(ctx,
		domain.Session{ID: id, UserID: user.ID(), StartedAt: now},
		domain.RefreshToken{KeyHash: a.deps.Secrets.APIKeyHash(refresh), Session: id, IssuedAt: now})
	if err != nil {
		return ports.Tokens{}, err
	}
	access, err := a.deps.Tokens.Issue(user, id)
	if err != nil {
		return ports.Tokens{}, err
	}
	return ports.Tokens{Access: access, Refresh: refresh}, nil
}

// Refresh exchanges a refresh token for a new pair. The presented token is retired; one
// presented again revokes its whole session, since only a stolen copy can be replayed.
func (a *Accounts) Refresh(ctx context.Context, field ports.Field) (ports.Tokens, error) {
	key, ferr := requiredText(field)
	if ferr != nil {
		return ports.Tokens{}, domain.FieldErrors{{Field: "refresh", Err: ferr}}
	}
	next, err := a.deps.Secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	now := a.deps.Clock.Now()
	var session domain.Session
	err = a.deps.Sessions.Refresh(ctx, a.deps.Secrets.APIKeyHash(key), func(s domain.Session, current domain.RefreshToken) (domain.RefreshToken, error) {
		if err := a.cfg.Refresh.CheckRefresh(s, current, now); err != nil {
			return domain.RefreshToken{}, err
		}
		session = s
		return domain.RefreshToken{KeyHash: a.deps.Secrets.APIKeyHash(next), Session: s.ID, IssuedAt: now}, nil
	})
	if err != nil {
		return ports.Tokens{}, err
	}
	user, err := a.deps.Users.ByID(ctx, session.UserID)
	if errors.Is(err, domain.ErrUserNotFound) || (err == nil && !user.Active()) {
		return ports.Tokens{}, domain.ErrRefreshInvalid
	}
	if err != nil {
		return ports.Tokens{}, err
	}
	access, err := a.deps.Tokens.Issue(user, session.ID)
	if err != nil {
		return ports.Tokens{}, err
	}
	return ports.Tokens{Access: access, Refresh: next}, nil
}

// Logout ends the caller's session or API key; with all, every session and API key of the
// caller, and every access token issued so far.
func (a *Accounts) Logout(ctx context.Context, caller ports.Principal, all ports.Field) error {
	if all.Value == "true" && (all.State == ports.Boolean || all.State == ports.Text) {
		return a.endAllSessions(ctx, caller.User.ID(), (*domain.User).EndAllSessions)
	}
	if caller.Session != "" {
		if err := a.deps.Sessions.RevokeSession(ctx, caller.Session); err != nil {
			return err
		}
	}
	if caller.APIKeyHash != nil {
		return a.deps.APITokens.DeleteAPIToken(ctx, caller.APIKeyHash)
	}
	return nil
}

// endAllSessions applies change (which must raise the token version) and revokes every
// session and API key of the user.
func (a *Accounts) endAllSessions(ctx context.Context, userID int64, change func(*domain.User)) error {
	if _, err := a.deps.Users.Update(ctx, userID, func(u *domain.User) error { change(u); return nil }); err != nil {
		return err
	}
	if err := a.deps.Sessions.RevokeUserSessions(ctx, userID); err != nil {
		return err
	}
	return a.deps.APITokens.DeleteUserAPITokens(ctx, userID)
}

// ChangePassword checks the old password (under the account's login limit), stores the
// new one, ends every session and token of the caller, and starts a new session.
func (a *Accounts) ChangePassword(ctx context.Context, client ports.Client, caller ports.Principal, req ports.PasswordChange) (ports.Tokens, error) {
	oldPassword, oldErr := requiredText(req.OldPassword)
	newPassword, newErr := requiredText(req.NewPassword)
	if newErr == nil {
		newErr = asDomainError(a.cfg.Passwords.Check(newPassword))
	}
	if errs := collect(
		domain.FieldError{Field: "old_password", Err: oldErr},
		domain.FieldError{Field: "new_password", Err: newErr},
	); errs != nil {
		return ports.Tokens{}, errs
	}
	user := caller.User
	accountKey := "login:user:" + strconv.FormatInt(user.ID(), 10)
	if err := a.admit(ctx, accountKey, a.deps.Clock.Now(), a.cfg.Limits.LoginAccount, domain.LimitLoginAccount); err != nil {
		return ports.Tokens{}, err
	}
	ok, err := a.deps.Passwords.Verify(user.PasswordHash(), oldPassword)
	if err != nil {
		return ports.Tokens{}, fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok {
		return ports.Tokens{}, domain.FieldErrors{{Field: "old_password", Err: domain.ErrWrongPassword}}
	}
	hash, err := a.deps.Passwords.Hash(newPassword)
	if err != nil {
		return ports.Tokens{}, err
	}
	if err := a.deps.Limits.UpdateCounter(ctx, accountKey, func(c *domain.Counter) error { c.Reset(); return nil }); err != nil {
		return ports.Tokens{}, err
	}
	if err := a.endAllSessions(ctx, user.ID(), func(u *domain.User) { u.ChangePassword(hash) }); err != nil {
		return ports.Tokens{}, err
	}
	updated, err := a.deps.Users.ByID(ctx, user.ID())
	if err != nil {
		return ports.Tokens{}, err
	}
	return a.startSession(ctx, updated)
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
	now := a.deps.Clock.Now()
	ipKey := "login:ip:" + client.IP
	if err := a.admit(ctx, ipKey, now, a.cfg.Limits.LoginClientIP, domain.LimitLoginIP); err != nil {
		return nil, err
	}
	user, err := a.deps.Users.ByLogin(ctx, username)
	if err != nil && !errors.Is(err, domain.ErrUserNotFound) {
		return nil, err
	}
	accountKey := "login:name:" + username
	encoded := a.dummyHash
	if user != nil {
		accountKey = "login:user:" + strconv.FormatInt(user.ID(), 10)
		encoded = user.PasswordHash()
	}
	if err := a.admit(ctx, accountKey, now, a.cfg.Limits.LoginAccount, domain.LimitLoginAccount); err != nil {
		return nil, err
	}
	ok, err := a.deps.Passwords.Verify(encoded, password)
	if err != nil {
		return nil, fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok || user == nil || !user.Active() {
		return nil, domain.FieldErrors{{Field: "non_field_errors", Err: domain.ErrInvalidCredentials}}
	}
	if err := a.deps.Limits.UpdateCounter(ctx, accountKey, func(c *domain.Counter) error { c.Reset(); return nil }); err != nil {
		return nil, err
	}
	if err := a.deps.Limits.UpdateCounter(ctx, ipKey, func(c *domain.Counter) error { c.Refund(); return nil }); err != nil {
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

// admit claims a login attempt for key, or refuses it while key must wait.
func (a *Accounts) admit(ctx context.Context, key string, now time.Time, b domain.Backoff, reason domain.LimitReason) error {
	err := a.deps.Limits.UpdateCounter(ctx, key, func(c *domain.Counter) error { return c.Admit(now, b) })
	if errors.Is(err, domain.ErrThrottled) {
		a.deps.Observer.Refused(reason)
	}
	return err
}

// Authenticate resolves `JWT <token>`, `Bearer <token>` or `Token <key>` (scheme case-insensitive).
func (a *Accounts) Authenticate(ctx context.Context, authorization string) (*ports.Principal, error) {
	parts := strings.Fields(authorization)
	if len(parts) == 0 {
		return nil, nil
	}
	switch strings.ToLower(parts[0]) {
	case "jwt", "bearer":
		switch {
		case len(parts) == 1:
			return nil, domain.ErrJWTNoCredentials
		case len(parts) > 2:
			return nil, domain.ErrJWTSpaces
		}
		claims, err := a.deps.Tokens.Verify(parts[1])
		if err != nil {
			return nil, err
		}
		p, err := a.principal(ctx, claims.UserID, domain.ErrJWTUserInvalid)
		if err != nil {
			return nil, err
		}
		if p.User.TokenVersion() != claims.Version {
			return nil, domain.ErrSessionEnded // the password changed, or every session was ended
		}
		if claims.Session != "" {
			session, err := a.deps.Sessions.Session(ctx, claims.Session)
			if err != nil {
				return nil, err
			}
			if session.Revoked || session.UserID != claims.UserID {
				return nil, domain.ErrSessionEnded
			}
			p.Session = session.ID
		}
		return p, nil
	case "token":
		switch {
		case len(parts) == 1:
			return nil, domain.ErrTokenNoCredentials
		case len(parts) > 2:
			return nil, domain.ErrTokenSpaces
		}
		hash := a.deps.Secrets.APIKeyHash(parts[1])
		token, err := a.deps.APITokens.Find(ctx, hash)
		if err != nil {
			return nil, err
		}
		if !token.Usable(a.deps.Clock.Now()) {
			return nil, domain.ErrTokenInvalid
		}
		p, err := a.principal(ctx, token.UserID, domain.ErrTokenInvalid)
		if err != nil {
			return nil, err
		}
		p.APIKeyHash = hash
		return p, nil
	default:
		return nil, nil
	}
}

// principal loads the caller; a deleted or disabled user gets the scheme's own refusal.
func (a *Accounts) principal(ctx context.Context, id int64, refusal *domain.Error) (*ports.Principal, error) {
	user, err := a.deps.Users.ByID(ctx, id)
	if errors.Is(err, domain.ErrUserNotFound) {
		return nil, refusal
	}
	if err != nil {
		return nil, err
	}
	if !user.Active() {
		return nil, refusal
	}
	return &ports.Principal{User: user}, nil
}

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
