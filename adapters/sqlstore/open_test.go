package sqlstore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
)

func TestOpenRejectsWhatItCannotServe(t *testing.T) {
	for url, wantInError := range map[string]string{
		"mysql://root@localhost/db":              `"mysql"`,
		"phoneauth.db":                           "no scheme",
		"sqlite://":                              "no file path",
		"sqlite:///tmp/a?b.db":                   "'?'",
		"postgres://u:hunter2@localhost:nope/db": "postgres database URL",
	} {
		_, err := sqlstore.Open(url, sqlstore.DefaultMaxConns(), 0)
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), wantInError, url)
		assert.NotContains(t, err.Error(), "hunter2", "the password never reaches an error")
	}
}

func TestOpenSQLiteAppliesThePragmas(t *testing.T) {
	db := open(t, "sqlite://"+filepath.Join(t.TempDir(), "pragmas.db"))
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		require.NoError(t, db.NewRaw("PRAGMA "+pragma).Scan(t.Context(), &got))
		assert.Equal(t, want, got, pragma)
	}
}

func TestOpenSQLiteAcceptsARelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db := open(t, "sqlite://data.db")
	require.NoError(t, sqlstore.Ping(t.Context(), db))
	assert.FileExists(t, filepath.Join(dir, "data.db"))
}

// Open connects lazily, so a service can start its health checks before the database is up;
// once it is used, an unreachable database is domain.ErrStoreUnavailable.
func TestUnreachableDatabaseIsStoreUnavailable(t *testing.T) {
	for name, url := range map[string]string{
		"postgres": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"),
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t, url)
			assert.ErrorIs(t, sqlstore.Ping(t.Context(), db), domain.ErrStoreUnavailable)
			_, err := sqlstore.NewStore(db).ByID(t.Context(), 1)
			assert.ErrorIs(t, err, domain.ErrStoreUnavailable)
			assert.ErrorIs(t, sqlstore.Migrate(t.Context(), db), domain.ErrStoreUnavailable)
		})
	}
}

func open(t testing.TB, url string) *bun.DB {
	t.Helper()
	db, err := sqlstore.Open(url, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}
