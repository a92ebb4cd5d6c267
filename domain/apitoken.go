package domain

import "time"

// APIToken is an opaque token for `Authorization: Token <key>`, stored as a hash of its key.
// It is a plain value: it never changes once issued, it is only revoked.
type APIToken struct {
	KeyHash   []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Usable tells whether the token still authenticates at now.
func (t APIToken) Usable(now time.Time) bool { return now.Before(t.ExpiresAt) }
