package domain

import "time"

// Session is one login. Its refresh tokens form a chain: each use retires the token and
// issues the next, so a retired token presented again can only be a stolen copy. It is a
// plain value: what may happen to it is RefreshPolicy's rule, and stores change it.
type Session struct {
	ID        string
	UserID    int64
	StartedAt time.Time
	Revoked   bool
}

// RefreshToken is one link of a session's chain, stored as a hash of its key: a plain
// value, judged by RefreshPolicy.
type RefreshToken struct {
	KeyHash  []byte
	Session  string
	IssuedAt time.Time
	Retired  bool
}

// RefreshPolicy bounds a session: Idle since the last refresh, Max since the login. It is
// configuration, set once at start.
type RefreshPolicy struct {
	Idle, Max time.Duration
}

// CheckRefresh tells whether token, of session, may be exchanged at now. A retired token
// is reuse (ErrRefreshReused): the caller must revoke the session.
func (p RefreshPolicy) CheckRefresh(session Session, token RefreshToken, now time.Time) error {
	switch {
	case session.Revoked:
		return ErrRefreshInvalid
	case token.Retired:
		return ErrRefreshReused
	case !now.Before(token.IssuedAt.Add(p.Idle)), !now.Before(session.StartedAt.Add(p.Max)):
		return ErrRefreshInvalid
	}
	return nil
}
