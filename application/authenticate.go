package application

import (
	"context"
	"errors"
	"strings"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

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
		p, err := a.sessionPrincipal(ctx, claims)
		if err != nil {
			return nil, err
		}
		if p.User.TokenVersion() != claims.Version {
			return nil, domain.ErrSessionEnded // the password changed, or every session was ended
		}
		p.AccessToken = claims
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

// sessionPrincipal loads the caller of an access token: with its session, which must be
// live, when the token names one; a token without one (the original service's) must not
// have been revoked. Only these pay for the look-up in the revoked tokens.
func (a *Accounts) sessionPrincipal(ctx context.Context, claims domain.AccessClaims) (*ports.Principal, error) {
	if claims.Session == "" {
		revoked, err := a.deps.Revoked.TokenRevoked(ctx, claims.ID, a.deps.Clock.Now())
		if err != nil {
			return nil, err
		}
		if revoked {
			return nil, domain.ErrSessionEnded
		}
		return a.principal(ctx, claims.UserID, domain.ErrJWTUserInvalid)
	}
	session, user, err := a.deps.Sessions.Session(ctx, claims.Session)
	if err != nil {
		return nil, err
	}
	if session.Revoked || session.UserID != claims.UserID {
		return nil, domain.ErrSessionEnded
	}
	if !user.Active() {
		return nil, domain.ErrJWTUserInvalid
	}
	return &ports.Principal{User: user, Session: session.ID}, nil
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
