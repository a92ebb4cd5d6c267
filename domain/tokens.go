package domain

import "time"

// AccessClaims is what a verified access token (JWT) says about its holder.
type AccessClaims struct {
	UserID int64
	// Version is the user's token version when the token was issued; tokens from the
	// original Django service carry none and count as version 0.
	Version int
	// ID (the jti) names this token, Session the login it belongs to (empty for tokens
	// issued elsewhere): logging out revokes them.
	ID, Session string
	ExpiresAt   time.Time
}
