package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/testdb"
)

func databases() map[string]func(testing.TB) string {
	return map[string]func(testing.TB) string{
		"sqlite":   testdb.SQLiteURL,
		"postgres": testdb.PostgresURL,
	}
}

func TestMigrations(t *testing.T) {
	for name, newURL := range databases() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t, newURL(t))
			ctx := t.Context()

			assertApplied(t, db, false)
			require.NoError(t, sqlstore.Rollback(ctx, db), "nothing to roll back is no error")

			require.NoError(t, sqlstore.Migrate(ctx, db))
			require.NoError(t, sqlstore.Migrate(ctx, db), "Migrate is idempotent")
			assertApplied(t, db, true)
			_, err := sqlstore.NewStore(db).ByID(ctx, 1)
			assert.ErrorIs(t, err, domain.ErrUserNotFound, "the schema is in place")

			require.NoError(t, sqlstore.Rollback(ctx, db))
			assertApplied(t, db, false)
			_, err = sqlstore.NewStore(db).ByID(ctx, 1)
			assert.Error(t, err)
			assert.NotErrorIs(t, err, domain.ErrUserNotFound, "the schema is gone")

			require.NoError(t, sqlstore.Migrate(ctx, db))
			assertApplied(t, db, true)
		})
	}
}

// Replicas that start together all run Migrate; they must take turns, not fail.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	url := testdb.PostgresURL(t)
	const replicas = 4
	dbs := make([]*bun.DB, replicas)
	for i := range dbs {
		dbs[i] = open(t, url)
	}
	errs := make(chan error, replicas)
	for _, db := range dbs {
		go func() { errs <- sqlstore.Migrate(t.Context(), db) }()
	}
	for range replicas {
		assert.NoError(t, <-errs)
	}
	assertApplied(t, dbs[0], true)
	states, err := sqlstore.MigrationStatus(t.Context(), dbs[0])
	require.NoError(t, err)
	n, err := dbs[0].NewSelect().Table("bun_migrations").Count(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, len(states), n, "each migration is recorded once")
}

func assertApplied(t *testing.T, db *bun.DB, applied bool) {
	t.Helper()
	states, err := sqlstore.MigrationStatus(t.Context(), db)
	require.NoError(t, err)
	require.NotEmpty(t, states)
	assert.Equal(t, "20261127000001_initial", states[0].Name)
	for _, s := range states {
		assert.Equal(t, applied, s.Applied, s.Name)
		if applied {
			assert.Positive(t, s.GroupID, s.Name)
			assert.False(t, s.MigratedAt.IsZero(), s.Name)
		} else {
			assert.Zero(t, s.GroupID, s.Name)
		}
	}
}
