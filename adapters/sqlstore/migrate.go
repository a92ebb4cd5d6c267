package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// The schema differs per dialect only in its types, so each dialect has its own folder.
// Files are named <version>_<name>.tx.up.sql / .tx.down.sql: each runs in a transaction.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Name       string // version and name, e.g. 20261127000001_initial
	Applied    bool
	GroupID    int64     // the Migrate run that applied it; 0 when pending
	MigratedAt time.Time // zero when pending
}

// Migrate applies every pending migration, then the steps opts add (WithNumbers). It is
// idempotent, and several processes may run it at once: on PostgreSQL they take turns
// (see withMigrator).
func Migrate(ctx context.Context, db *bun.DB, opts ...MigrateOption) error {
	var steps migrateSteps
	for _, o := range opts {
		o(&steps)
	}
	return withMigrator(ctx, db, "migrate", func(m *migrate.Migrator) error {
		if _, err := m.Migrate(ctx); err != nil {
			return err
		}
		if steps.normalise != nil {
			_, err := NormaliseNumbers(ctx, db, steps.normalise, steps.logger)
			return err
		}
		return nil
	})
}

// Rollback undoes the last group of migrations, the ones one Migrate run applied.
func Rollback(ctx context.Context, db *bun.DB) error {
	return withMigrator(ctx, db, "roll back migrations", func(m *migrate.Migrator) error {
		_, err := m.Rollback(ctx)
		return err
	})
}

// MigrationStatus lists every known migration, oldest first.
func MigrationStatus(ctx context.Context, db *bun.DB) ([]MigrationState, error) {
	var states []MigrationState
	err := withMigrator(ctx, db, "read migration status", func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mig := range ms {
			states = append(states, MigrationState{
				Name:       mig.Name + "_" + mig.Comment,
				Applied:    mig.IsApplied(),
				GroupID:    mig.GroupID,
				MigratedAt: mig.MigratedAt,
			})
		}
		return nil
	})
	return states, err
}

// withMigrator runs fn with a migrator for db's dialect, after creating Bun's bookkeeping
// tables. On PostgreSQL it first takes a transaction-scoped advisory lock, on a connection
// of its own, for the current schema: concurrent callers wait for each other, and the lock
// is released even if this process dies. SQLite needs no lock: one process per file.
func withMigrator(ctx context.Context, db *bun.DB, op string, fn func(*migrate.Migrator) error) error {
	dir := "migrations/sqlite"
	if db.Dialect().Name() == dialect.PG {
		dir = "migrations/postgres"
		lock, err := db.BeginTx(ctx, nil)
		if err != nil {
			return wrap(op, err)
		}
		defer func() { _ = lock.Rollback() }() // the lock needs no commit
		if _, err := lock.ExecContext(ctx,
			"SELECT pg_advisory_xact_lock(hashtext('phoneauth.migrate.' || current_schema()))"); err != nil {
			return wrap(op+": take lock", err)
		}
	}
	files, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(files); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// Recording a migration only once it succeeded lets a failed one be retried.
	m := migrate.NewMigrator(db, migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return wrap(op+": create migration tables", err)
	}
	if err := fn(m); err != nil {
		return wrap(op, err)
	}
	return nil
}
