package contract_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/memory"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/test/contract"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// Every store implementation, by name. A new one that is missing here is visible in review.
// Each implements every persistence port (their files say so at compile time), so every
// suite gets the same store, as the ports it tests.
func implementations() []struct {
	name string
	// open prepares the implementation for one suite and returns its factory.
	open func(t *testing.T) func(t *testing.T) any
} {
	return []struct {
		name string
		open func(t *testing.T) func(t *testing.T) any
	}{
		{"memory", func(*testing.T) func(*testing.T) any {
			return func(*testing.T) any { return memory.NewStore() }
		}},
		{"sqlite", func(t *testing.T) func(*testing.T) any {
			return sqlStore(t, testdb.SQLiteURL(t))
		}},
		{"postgres", func(t *testing.T) func(*testing.T) any {
			return sqlStore(t, testdb.PostgresURL(t))
		}},
	}
}

// sqlStore opens and migrates one database that every test of the suite shares, as
// replicas share one server.
func sqlStore(t *testing.T, databaseURL string) func(*testing.T) any {
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, sqlstore.Migrate(t.Context(), db))
	store := sqlstore.NewStore(db)
	return func(*testing.T) any { return store }
}

// runMatrix runs suite against every implementation, handing it the store as P, the ports
// the suite tests.
func runMatrix[P any](t *testing.T, suite func(*testing.T, func(*testing.T) P)) {
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			open := impl.open(t)
			suite(t, func(t *testing.T) P { return open(t).(P) })
		})
	}
}

func TestUserRepository(t *testing.T)     { runMatrix(t, contract.UserRepository) }
func TestCodeRepository(t *testing.T)     { runMatrix(t, contract.CodeRepository) }
func TestRegistrar(t *testing.T)          { runMatrix(t, contract.Registrar) }
func TestAPITokenRepository(t *testing.T) { runMatrix(t, contract.APITokenRepository) }
func TestLimitStore(t *testing.T)         { runMatrix(t, contract.LimitStore) }
func TestSessionRepository(t *testing.T)  { runMatrix(t, contract.SessionRepository) }
func TestImportStore(t *testing.T)        { runMatrix(t, contract.ImportStore) }
func TestRevokedTokens(t *testing.T)      { runMatrix(t, contract.RevokedTokens) }
