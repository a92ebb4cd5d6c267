package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// sessionStarter starts sessions, for the use cases that log a user in.
type sessionStarter struct {
	sessions ports.SessionRepository
	secrets  ports.Secrets
	tokens   ports.AccessTokens
	clock    ports.Clock
}

// start stores a new session with its first refresh token and signs an access token
// bound to it.
func (s sessionStarter) start(ctx context.Context, user *domain.User) (ports.Tokens, error) {
	id, err := s.secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	refresh, err := s.secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	now := s.clock.Now()
	err = s.sessions.StartSession(ctx,
		domain.Session{ID: id, UserID: user.ID(), StartedAt: now},
		domain.RefreshToken{KeyHash: s.secrets.APIKeyHash(refresh), Session: id, IssuedAt: now})
	if err != nil {
		return ports.Tokens{}, err
	}
	access, err := s.tokens.Issue(user, id)
	if err != nil {
		return ports.Tokens{}, err
	}
	return ports.Tokens{Access: access, Refresh: refresh}, nil
}

// startOnDevice starts a session and hands the client a device token: device, the one it
// presented when that was valid, else a new one.
func (s sessionStarter) startOnDevice(ctx context.Context, user *domain.User, device string, devices ports.DeviceTokens) (ports.Tokens, error) {
	if device == "" {
		var err error
		if device, err = devices.Issue(user.ID()); err != nil {
			return ports.Tokens{}, err
		}
	}
	tokens, err := s.start(ctx, user)
	if err != nil {
		return ports.Tokens{}, err
	}
	tokens.DeviceToken = device
	return tokens, nil
}

// sessionEnder ends every session and token of a user.
type sessionEnder struct {
	users     ports.UserRepository
	sessions  ports.SessionRepository
	apiTokens ports.APITokenRepository
}

// endAll applies change (which must raise the token version) and revokes every session
// and API key of the user; when change fails, nothing.
func (e sessionEnder) endAll(ctx context.Context, userID int64, change func(*domain.User) error) error {
	if _, err := e.users.Update(ctx, userID, change); err != nil {
		return err
	}
	return e.revoke(ctx, userID)
}

// revoke ends every session and API key of the user.
func (e sessionEnder) revoke(ctx context.Context, userID int64) error {
	if err := e.sessions.RevokeUserSessions(ctx, userID); err != nil {
		return err
	}
	return e.apiTokens.DeleteUserAPITokens(ctx, userID)
}

// Refresh exchanges a refresh token for a new pair.
type Refresh struct {
	policy   domain.RefreshPolicy
	sessions ports.SessionRepository
	users    ports.UserRepository
	secrets  ports.Secrets
	tokens   ports.AccessTokens
	clock    ports.Clock
}

// NewRefresh builds the use case.
func NewRefresh(cfg Config, sessions ports.SessionRepository, users ports.UserRepository, secrets ports.Secrets,
	tokens ports.AccessTokens, clock ports.Clock) *Refresh {
	return &Refresh{cfg.Refresh, sessions, users, secrets, tokens, clock}
}

// Handle retires the presented token; one presented again revokes its whole session,
// since only a stolen copy can be replayed.
func (h *Refresh) Handle(ctx context.Context, cmd ports.Refresh) (ports.Tokens, error) {
	if err := required(cmd.Token); err != nil {
		return ports.Tokens{}, domain.FieldErrors{{Field: "refresh", Err: err}}
	}
	next, err := h.secrets.NewAPIKey()
	if err != nil {
		return ports.Tokens{}, err
	}
	now := h.clock.Now()
	var session domain.Session
	err = h.sessions.Refresh(ctx, h.secrets.APIKeyHash(cmd.Token), func(s domain.Session, current domain.RefreshToken) (domain.RefreshToken, error) {
		if err := h.policy.CheckRefresh(s, current, now); err != nil {
			return domain.RefreshToken{}, err
		}
		session = s
		return domain.RefreshToken{KeyHash: h.secrets.APIKeyHash(next), Session: s.ID, IssuedAt: now}, nil
	})
	if err != nil {
		return ports.Tokens{}, err
	}
	user, err := h.users.ByID(ctx, session.UserID)
	if errors.Is(err, domain.ErrUserNotFound) || (err == nil && !user.Active()) {
		return ports.Tokens{}, domain.ErrRefreshInvalid
	}
	if err != nil {
		return ports.Tokens{}, err
	}
	access, err := h.tokens.Issue(user, session.ID)
	if err != nil {
		return ports.Tokens{}, err
	}
	return ports.Tokens{Access: access, Refresh: next}, nil
}

// LogOut ends a caller's session, API key or access token, or all of them.
type LogOut struct {
	ender     sessionEnder
	sessions  ports.SessionRepository
	apiTokens ports.APITokenRepository
	revoked   ports.RevokedTokens
}

// NewLogOut builds the use case.
func NewLogOut(users ports.UserRepository, sessions ports.SessionRepository, apiTokens ports.APITokenRepository,
	revoked ports.RevokedTokens) *LogOut {
	return &LogOut{sessionEnder{users, sessions, apiTokens}, sessions, apiTokens, revoked}
}

// Handle ends the caller's session or API key, or revokes an access token that has no
// session until it expires; with All, every session and API key of the caller, and every
// access token issued so far.
func (h *LogOut) Handle(ctx context.Context, cmd ports.LogOut) (struct{}, error) {
	caller := cmd.Caller
	switch {
	case cmd.All:
		return struct{}{}, h.ender.endAll(ctx, caller.User.ID(), func(u *domain.User) error { u.EndAllSessions(); return nil })
	case caller.Session != "":
		return struct{}{}, h.sessions.RevokeSession(ctx, caller.Session)
	case caller.APIKeyHash != nil:
		return struct{}{}, h.apiTokens.DeleteAPIToken(ctx, caller.APIKeyHash)
	default:
		return struct{}{}, h.revoked.RevokeToken(ctx, caller.AccessToken.ID, caller.AccessToken.ExpiresAt)
	}
}

// ChangePassword replaces the caller's password.
type ChangePassword struct {
	cfg       Config
	users     ports.UserRepository
	passwords ports.PasswordHasher
	clock     ports.Clock
	limits    limiter
	ender     sessionEnder
	starter   sessionStarter
}

// NewChangePassword builds the use case.
func NewChangePassword(cfg Config, users ports.UserRepository, passwords ports.PasswordHasher, clock ports.Clock,
	limits ports.LimitStore, observer ports.Observer, sessions ports.SessionRepository,
	apiTokens ports.APITokenRepository, secrets ports.Secrets, tokens ports.AccessTokens) *ChangePassword {
	return &ChangePassword{cfg, users, passwords, clock, limiter{limits, observer},
		sessionEnder{users, sessions, apiTokens}, sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle checks the old password (under the account's login limit), stores the new one,
// ends every session and token of the caller, and starts a new session.
func (h *ChangePassword) Handle(ctx context.Context, cmd ports.ChangePassword) (ports.Tokens, error) {
	newErr := required(cmd.NewPassword)
	if newErr == nil {
		newErr = asDomainError(h.cfg.Passwords.Check(cmd.NewPassword))
	}
	if errs := collect(
		domain.FieldError{Field: "old_password", Err: required(cmd.OldPassword)},
		domain.FieldError{Field: "new_password", Err: newErr},
	); errs != nil {
		return ports.Tokens{}, errs
	}
	user := cmd.Caller.User
	account := accountKey(user.ID())
	if err := h.limits.check(ctx, admission(account, h.clock.Now(), h.cfg.Limits.LoginAccount, domain.LimitLoginAccount)); err != nil {
		return ports.Tokens{}, err
	}
	wrongPassword := domain.FieldErrors{{Field: "old_password", Err: domain.ErrWrongPassword}}
	verifiedHash := user.PasswordHash()
	ok, err := h.passwords.Verify(ctx, verifiedHash, cmd.OldPassword)
	if unchecked(ctx, err) {
		return ports.Tokens{}, errors.Join(err, h.limits.settle(context.WithoutCancel(ctx), refund(account)))
	}
	if err != nil {
		return ports.Tokens{}, fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok {
		return ports.Tokens{}, wrongPassword
	}
	hash, err := h.passwords.Hash(ctx, cmd.NewPassword)
	if unchecked(ctx, err) {
		// The old password was right, but nothing changed: the attempt is given back.
		return ports.Tokens{}, errors.Join(err, h.limits.settle(context.WithoutCancel(ctx), refund(account)))
	}
	if err != nil {
		return ports.Tokens{}, err
	}
	if err := h.limits.settle(ctx, reset(account)); err != nil {
		return ports.Tokens{}, err
	}
	err = h.ender.endAll(ctx, user.ID(), func(u *domain.User) error {
		// Compare and swap under the row lock: of concurrent changes from one old password,
		// the first wins and the others find a hash their old password was not checked against.
		if u.PasswordHash() != verifiedHash {
			return wrongPassword
		}
		u.ChangePassword(hash)
		return nil
	})
	if err != nil {
		return ports.Tokens{}, err
	}
	updated, err := h.users.ByID(ctx, user.ID())
	if err != nil {
		return ports.Tokens{}, err
	}
	return h.starter.start(ctx, updated)
}
