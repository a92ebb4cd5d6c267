package sqlstore

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/dialect"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.Readiness = (*Store)(nil)

// Ready implements ports.Readiness: the database answers and every embedded migration is
// applied. It only reads, so probes may call it often.
func (s *Store) Ready(ctx context.Context) error {
	if err := Ping(ctx, s.db); err != nil {
		return err
	}
	applied, err := s.db.NewSelect().Table("bun_migrations").Count(ctx)
	if err != nil {
		return wrap("count applied migrations", err)
	}
	dir := "migrations/sqlite"
	if s.db.Dialect().Name() == dialect.PG {
		dir = "migrations/postgres"
	}
	ups, err := fs.Glob(migrationFiles, dir+"/*.up.sql")
	if err != nil {
		return err
	}
	if applied < int64(len(ups)) {
		return fmt.Errorf("%d of %d migrations applied", applied, len(ups))
	}
	return nil
}
