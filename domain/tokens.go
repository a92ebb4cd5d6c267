package domain

import "time"

// AccessClaims is what a verified access token (JWT) says about its holder: a plain value,
// read from a signed token that nobody can change.
type AccessClaims struct {
	UserID int64
	// Version is the user's token version when the token was issued; tokens from the
	// original Django service carry none and count as version 0.
	Version int
	// ID names this token: its jti, or for a token without one a digest of it. Session is
	// the login it belongs to (empty for tokens issued elsewhere). Logging out revokes the
	// session, or a token without one by its ID.
	ID, Session string
	ExpiresAt   time.Time
}
