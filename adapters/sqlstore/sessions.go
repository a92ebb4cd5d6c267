package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SessionRepository = (*Store)(nil)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID        string `bun:"id,pk"`
	UserID    int64  `bun:"user_id"`
	StartedAt int64  `bun:"started_at"`
	Revoked   bool   `bun:"revoked"`
}

func (r sessionRow) session() domain.Session {
	return domain.Session{ID: r.ID, UserID: r.UserID, StartedAt: time.UnixMilli(r.StartedAt).UTC(), Revoked: r.Revoked}
}

type refreshRow struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:r"`

	KeyHash   []byte `bun:"key_hash,pk"`
	SessionID string `bun:"session_id"`
	IssuedAt  int64  `bun:"issued_at"`
	Retired   bool   `bun:"retired"`
}

func refreshRowFrom(t domain.RefreshToken) refreshRow {
	return refreshRow{KeyHash: t.KeyHash, SessionID: t.Session, IssuedAt: t.IssuedAt.UnixMilli(), Retired: t.Retired}
}

// StartSession implements ports.SessionRepository.
func (s *Store) StartSession(ctx context.Context, session domain.Session, first domain.RefreshToken) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := sessionRow{ID: session.ID, UserID: session.UserID, StartedAt: session.StartedAt.UnixMilli(), Revoked: session.Revoked}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if foreignKeyViolation(err) {
				return domain.ErrUserNotFound
			}
			return fmt.Errorf("insert session: %w", err)
		}
		token := refreshRowFrom(first)
		if _, err := tx.NewInsert().Model(&token).Exec(ctx); err != nil {
			return fmt.Errorf("insert refresh token: %w", err)
		}
		return nil
	})
	if err != nil {
		return txError("start session", err)
	}
	return nil
}

// Session implements ports.SessionRepository with one joined query (see sessionLookup).
func (s *Store) Session(ctx context.Context, id string) (domain.Session, *domain.User, error) {
	row := sessionRow{ID: id}
	var u userRow
	err := s.session.queryRow(ctx, s.db, id,
		&row.StartedAt, &row.Revoked,
		&u.ID, &u.Username, &u.Mobile, &u.PasswordHash, &u.Name, &u.Gender, &u.Birthday, &u.Email,
		&u.Active, &u.DateJoined, &u.TokenVersion)
	if err != nil {
		return domain.Session{}, nil, notFound("find session", err, domain.ErrSessionEnded)
	}
	row.UserID = u.ID
	user, err := u.user()
	if err != nil {
		return domain.Session{}, nil, err
	}
	return row.session(), user, nil
}

// Refresh implements ports.SessionRepository: the presented token's row is locked, so of
// two replicas exchanging one token, the second sees it retired.
func (s *Store) Refresh(ctx context.Context, keyHash []byte, exchange func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error)) error {
	var exchangeErr error
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var token refreshRow
		err := s.forUpdate(tx.NewSelect().Model(&token).Where("key_hash = ?", keyHash)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			exchangeErr = domain.ErrRefreshInvalid
			return nil
		}
		if err != nil {
			return fmt.Errorf("load refresh token: %w", err)
		}
		var session sessionRow
		if err := tx.NewSelect().Model(&session).Where("id = ?", token.SessionID).Scan(ctx); err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		next, err := exchange(session.session(), domain.RefreshToken{
			KeyHash: token.KeyHash, Session: token.SessionID, IssuedAt: time.UnixMilli(token.IssuedAt).UTC(), Retired: token.Retired,
		})
		switch {
		case errors.Is(err, domain.ErrRefreshReused):
			exchangeErr = err
			_, uerr := tx.NewUpdate().Model((*sessionRow)(nil)).Set("revoked = ?", true).Where("id = ?", token.SessionID).Exec(ctx)
			return uerr
		case err != nil:
			exchangeErr = err
			return errRollback
		}
		if _, err := tx.NewUpdate().Model((*refreshRow)(nil)).Set("retired = ?", true).Where("key_hash = ?", keyHash).Exec(ctx); err != nil {
			return fmt.Errorf("retire refresh token: %w", err)
		}
		row := refreshRowFrom(next)
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert refresh token: %w", err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return wrap("refresh", err)
	}
	return exchangeErr
}

// errRollback ends a transaction that must write nothing.
var errRollback = errors.New("rollback")

// RevokeSession implements ports.SessionRepository.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	if _, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("revoked = ?", true).Where("id = ?", id).Exec(ctx); err != nil {
		return wrap("revoke session", err)
	}
	return nil
}

// RevokeUserSessions implements ports.SessionRepository.
func (s *Store) RevokeUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.db.NewUpdate().Model((*sessionRow)(nil)).Set("revoked = ?", true).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return wrap("revoke sessions", err)
	}
	return nil
}
