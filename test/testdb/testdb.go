// Package testdb gives tests a database of their own: a temporary SQLite file, or a fresh
// schema on the local PostgreSQL server that is dropped when the test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DefaultPostgresURL is the local server the development and CI machines run.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// SQLiteURL returns a DATABASE_URL for a new SQLite file in the test's temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "phoneauth.db")
}

// PostgresURL returns a DATABASE_URL whose search_path is a new, empty schema, dropped at
// the end of the test. Without a reachable server the test is skipped, or fails when
// REQUIRE_POSTGRES=1. PHONEAUTH_TEST_POSTGRES_URL overrides the server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PHONEAUTH_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("REQUIRE_POSTGRES") == "1" {
			t.Fatalf("postgres required (REQUIRE_POSTGRES=1) but unreachable at %s: %v", redact(base), err)
		}
		t.Skipf("postgres unreachable at %s (set REQUIRE_POSTGRES=1 to fail instead): %v", redact(base), err)
	}
	schema := "phoneauth_test_" + randomHex(t)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// Each runs test on a new SQLite file and on a fresh Postgres schema, as the parallel
// subtests sqlite and postgres.
func Each(t *testing.T, test func(t *testing.T, databaseURL string)) {
	for name, newURL := range map[string]func(testing.TB) string{"sqlite": SQLiteURL, "postgres": PostgresURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newURL(t))
		})
	}
}
