package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

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

// Logout ends the caller's session or API key, or revokes an access token that has no
// session until it expires; with all, every session and API key of the caller, and every
// access token issued so far.
func (a *Accounts) Logout(ctx context.Context, caller ports.Principal, all bool) error {
	switch {
	case all:
		return a.endAllSessions(ctx, caller.User.ID(), func(u *domain.User) error { u.EndAllSessions(); return nil })
	case caller.Session != "":
		return a.deps.Sessions.RevokeSession(ctx, caller.Session)
	case caller.APIKeyHash != nil:
		return a.deps.APITokens.DeleteAPIToken(ctx, caller.APIKeyHash)
	default:
		return a.deps.Revoked.RevokeToken(ctx, caller.AccessToken.ID, caller.AccessToken.ExpiresAt)
	}
}

// endAllSessions applies change (which must raise the token version) and revokes every
// session and API key of the user; when change fails, nothing.
func (a *Accounts) endAllSessions(ctx context.Context, userID int64, change func(*domain.User) error) error {
	if _, err := a.deps.Users.Update(ctx, userID, change); err != nil {
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
	account := accountKey(user.ID())
	if err := a.checkLimits(ctx, admission(account, a.deps.Clock.Now(), a.cfg.Limits.LoginAccount, domain.LimitLoginAccount)); err != nil {
		return ports.Tokens{}, err
	}
	wrongPassword := domain.FieldErrors{{Field: "old_password", Err: domain.ErrWrongPassword}}
	verifiedHash := user.PasswordHash()
	ok, err := a.deps.Passwords.Verify(ctx, verifiedHash, oldPassword)
	if err != nil {
		return ports.Tokens{}, fmt.Errorf("verifying a password hash: %w", err)
	}
	if !ok {
		return ports.Tokens{}, wrongPassword
	}
	hash, err := a.deps.Passwords.Hash(ctx, newPassword)
	if err != nil {
		return ports.Tokens{}, err
	}
	if err := a.deps.Limits.UpdateCounters(ctx, reset(account)); err != nil {
		return ports.Tokens{}, err
	}
	err = a.endAllSessions(ctx, user.ID(), func(u *domain.User) error {
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
	updated, err := a.deps.Users.ByID(ctx, user.ID())
	if err != nil {
		return ports.Tokens{}, err
	}
	return a.startSession(ctx, updated)
}
