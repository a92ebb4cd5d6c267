package sqlstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/dialect"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.ImportStore = (*Store)(nil)

// ImportUser stores a user from another system with its own id, so that systems which
// reference user ids keep working. It does nothing when the id exists (imports repeat
// safely) and reports whether it inserted. A username or mobile held by another id is
// domain.ErrUserExists.
func (s *Store) ImportUser(ctx context.Context, r domain.UserRecord) (bool, error) {
	row := userRowFrom(domain.UnmarshalUserFromDatabase(r))
	res, err := s.db.NewInsert().Model(&row).On("CONFLICT (id) DO NOTHING").Exec(ctx)
	if err != nil {
		if uniqueViolation(err) {
			return false, domain.ErrUserExists
		}
		return false, wrap("import user", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("import user", err)
	}
	return n == 1, nil
}

// ImportAPIToken stores a token unless its hash exists, and reports whether it inserted.
func (s *Store) ImportAPIToken(ctx context.Context, t domain.APIToken) (bool, error) {
	row := tokenRow{KeyHash: t.KeyHash, UserID: t.UserID, CreatedAt: t.CreatedAt.UnixMilli(), ExpiresAt: t.ExpiresAt.UnixMilli()}
	res, err := s.db.NewInsert().Model(&row).On("CONFLICT (key_hash) DO NOTHING").Exec(ctx)
	if err != nil {
		if foreignKeyViolation(err) {
			return false, domain.ErrUserNotFound
		}
		return false, wrap("import api token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap("import api token", err)
	}
	return n == 1, nil
}

// FinishImport moves Postgres's id sequence past the imported ids, so that the next
// registration does not collide with them. SQLite's AUTOINCREMENT follows by itself.
func (s *Store) FinishImport(ctx context.Context) error {
	if s.db.Dialect().Name() != dialect.PG {
		return nil
	}
	_, err := s.db.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM users), false)")
	if err != nil {
		return fmt.Errorf("advance the user id sequence: %w", err)
	}
	return nil
}
