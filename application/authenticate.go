package application

import (
	"context"
	"errors"
	"strings"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Authenticate resolves the credentials of a request.
type Authenticate struct {
	tokens    ports.AccessTokens
	sessions  ports.SessionRepository
	users     ports.UserRepository
	apiTokens ports.APITokenRepository
	revoked   ports.RevokedTokens
	secrets   ports.Secrets
	clock     ports.Clock
}

// NewAuthenticate builds the use case.
func NewAuthenticate(tokens ports.AccessTokens, sessions ports.SessionRepository, users ports.UserRepository,
	apiTokens ports.APITokenRepository, revoked ports.RevokedTokens, secrets ports.Secrets, clock ports.Clock) *Authenticate {
	return &Authenticate{tokens, sessions, users, apiTokens, revoked, secrets, clock}
}

// Handle resolves `JWT <token>`, `Bearer <token>` or `Token <key>` (scheme case-insensitive).
func (h *Authenticate) Handle(ctx context.Context, authorization string) (*ports.Principal, error) {
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
		claims, err := h.tokens.Verify(parts[1])
		if err != nil {
			return nil, err
		}
		p, err := h.sessionPrincipal(ctx, claims)
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
		hash := h.secrets.APIKeyHash(parts[1])
		token, err := h.apiTokens.Find(ctx, hash)
		if err != nil {
			return nil, err
		}
		if !token.Usable(h.clock.Now()) {
			return nil, domain.ErrTokenInvalid
		}
		p, err := h.principal(ctx, token.UserID, domain.ErrTokenInvalid)
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
func (h *Authenticate) sessionPrincipal(ctx context.Context, claims domain.AccessClaims) (*ports.Principal, error) {
	if claims.Session == "" {
		revoked, err := h.revoked.TokenRevoked(ctx, claims.ID, h.clock.Now())
		if err != nil {
			return nil, err
		}
		if revoked {
			return nil, domain.ErrSessionEnded
		}
		return h.principal(ctx, claims.UserID, domain.ErrJWTUserInvalid)
	}
	session, user, err := h.sessions.Session(ctx, claims.Session)
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
func (h *Authenticate) principal(ctx context.Context, id int64, refusal *domain.Error) (*ports.Principal, error) {
	user, err := h.users.ByID(ctx, id)
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
