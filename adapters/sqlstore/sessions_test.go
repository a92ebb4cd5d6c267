package sqlstore_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A migration that changes the tables the session query reads, run while the service
// serves (a rolling deploy), costs at most a failed lookup per connection: the prepared
// query must not keep failing afterwards.
func TestSessionLookupSurvivesASchemaChange(t *testing.T) {
	for name, tc := range map[string]struct {
		url    func(testing.TB) string
		change string
	}{
		"sqlite":   {testdb.SQLiteURL, `ALTER TABLE users ADD COLUMN nickname TEXT`},
		"postgres": {testdb.PostgresURL, `ALTER TABLE users ALTER COLUMN name TYPE varchar(200)`},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db, s, userID := storeWithSession(t, tc.url(t))
			_, _, err := s.Session(ctx, "session-1")
			require.NoError(t, err)

			_, err = db.ExecContext(ctx, tc.change)
			require.NoError(t, err)
			// The connection that prepared the query may fail once.
			requireLookupRecovers(t, s, userID, 1, nil)
		})
	}
}

// A database restart or failover ends every connection of the pool at once: the lookup may
// fail on each connection that learns of it, and then works again on new ones.
func TestSessionLookupRecoversWhenTheDatabaseEndsItsConnections(t *testing.T) {
	ctx := t.Context()
	url := testdb.PostgresURL(t)
	name := fmt.Sprintf("phoneauth-recovery-test-%d", time.Now().UnixNano()) // marks the store's connections
	_, s, userID := storeWithSession(t, url+"&application_name="+name)
	admin := open(t, url)
	_, _, err := s.Session(ctx, "session-1")
	require.NoError(t, err)

	var ended int
	require.NoError(t, admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ?`, name).Scan(&ended))
	require.Positive(t, ended, "the store's connections were ended")

	// Each connection that was ended may fail once, as the database being unavailable.
	requireLookupRecovers(t, s, userID, ended, domain.ErrStoreUnavailable)
}

// Bun writes values into the SQL text, so none of its statements may be prepared: each
// would be new to the server. The session lookup, whose id is a parameter, is prepared
// and cached by pgx in its default mode, cache_statement. A URL that chooses another mode
// (simple_protocol behind a PgBouncer in transaction mode, whose server connections lack
// the statements prepared on others) or turns pgx's statement cache off prepares nothing,
// and the lookup still works.
func TestPreparedStatementsFollowTheURLsExecMode(t *testing.T) {
	for name, tc := range map[string]struct {
		params         string // added to the URL's query
		lookupPrepared bool
	}{
		"no mode":                              {"", true},
		"cache_statement, pgx's default":       {"&default_query_exec_mode=cache_statement", true},
		"simple_protocol":                      {"&default_query_exec_mode=simple_protocol", false},
		"simple_protocol, the key URL-encoded": {"&default%5Fquery%5Fexec%5Fmode=simple_protocol", false},
		"cache_describe":                       {"&default_query_exec_mode=cache_describe", false},
		"statement cache off":                  {"&statement_cache_capacity=0", false},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			u, err := url.Parse(testdb.PostgresURL(t))
			require.NoError(t, err)
			q := u.Query()
			// PHONEAUTH_TEST_POSTGRES_URL may set either.
			q.Del("default_query_exec_mode")
			q.Del("statement_cache_capacity")
			u.RawQuery = q.Encode() + tc.params

			db, s, userID := storeWithSession(t, u.String())
			db.SetMaxOpenConns(1) // the queries and the look at pg_prepared_statements share one connection
			_, user, err := s.Session(ctx, "session-1")
			require.NoError(t, err)
			require.Equal(t, userID, user.ID())
			_, err = s.ByID(ctx, userID) // a query of Bun's
			require.NoError(t, err)

			var prepared []string
			require.NoError(t, db.NewRaw(`SELECT statement FROM pg_prepared_statements`).Scan(ctx, &prepared))
			if tc.lookupPrepared {
				require.Len(t, prepared, 1, "only the session lookup is prepared")
				assert.Contains(t, prepared[0], "FROM sessions AS s JOIN users AS u")
			} else {
				assert.Empty(t, prepared)
			}
		})
	}
}

// requireLookupRecovers lets the lookup of "session-1" fail up to failures times (each
// with an error matching failedWith, when set), and then requires it to work, five times.
func requireLookupRecovers(t *testing.T, s *sqlstore.Store, userID int64, failures int, failedWith error) {
	t.Helper()
	var err error
	for range failures + 1 {
		if _, _, err = s.Session(t.Context(), "session-1"); err == nil {
			break
		}
		if failedWith != nil {
			require.ErrorIs(t, err, failedWith)
		}
	}
	require.NoError(t, err, "the lookup recovers")
	for range 5 {
		_, user, err := s.Session(t.Context(), "session-1")
		require.NoError(t, err)
		require.Equal(t, userID, user.ID())
	}
}

// BenchmarkSessionLookup is the database's part of every request authenticated by a
// session: one joined query for the session and its user.
func BenchmarkSessionLookup(b *testing.B) {
	for name, url := range map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL} {
		b.Run(name, func(b *testing.B) {
			_, s, userID := storeWithSession(b, url(b))
			b.ReportAllocs()
			for b.Loop() {
				_, user, err := s.Session(b.Context(), "session-1")
				if err != nil || user.ID() != userID {
					b.Fatalf("session lookup: user %v, error %v", user, err)
				}
			}
		})
	}
}

// storeWithSession returns a migrated store on url holding one user with the session
// "session-1", and the user's id.
func storeWithSession(t testing.TB, url string) (*bun.DB, *sqlstore.Store, int64) {
	t.Helper()
	ctx := t.Context()
	db := open(t, url)
	require.NoError(t, sqlstore.Migrate(ctx, db))
	s := sqlstore.NewStore(db)
	_, err := db.ExecContext(ctx, `INSERT INTO users (username, mobile, password_hash, date_joined) VALUES ('13800000000', '13800000000', 'x', 0)`)
	require.NoError(t, err)
	var userID int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT id FROM users`).Scan(&userID))
	now := time.Now()
	require.NoError(t, s.StartSession(ctx,
		domain.Session{ID: "session-1", UserID: userID, StartedAt: now},
		domain.RefreshToken{KeyHash: []byte("refresh-1"), Session: "session-1", IssuedAt: now}))
	return db, s, userID
}
