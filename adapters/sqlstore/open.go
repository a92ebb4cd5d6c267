// Package sqlstore implements the persistence ports with Bun, on SQLite (the embedded
// default, pure Go) and on PostgreSQL (several replicas may share one server). Rules that
// must hold across replicas are enforced by the database: unique indexes, single atomic
// statements and row locks in transactions.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Postgres connections are recycled after these; idle ones are kept up to the pool's size,
// since idle connections closed at once would be reopened at the next burst.
const (
	pgConnMaxIdleTime = 5 * time.Minute
	pgConnMaxLifetime = time.Hour
)

// DefaultMaxConns is the size of a Postgres pool unless configured: as pgx's own default,
// 4 or one per processor the Go runtime uses. A process can keep no more queries than that
// busy at once, and more connections only add server processes taking turns: on 2 cores
// with the server on the same machine, 10 connections cost the server a quarter more CPU a
// query than 4.
func DefaultMaxConns() int {
	return max(4, runtime.GOMAXPROCS(0))
}

// MinConns is the smallest Postgres pool that works: a migration holds its lock in a
// transaction on one connection while it runs on another.
const MinConns = 2

// Open returns a database handle for databaseURL without connecting (see Ping):
//
//   - sqlite://<file path>, relative or absolute, e.g. sqlite://data/phoneauth.db or
//     sqlite:///var/lib/phoneauth/phoneauth.db. The file is created on first use. One
//     SQLite file serves one process: the handle has a single connection, which
//     serialises this process's transactions, and the store relies on that instead of
//     row locks.
//   - postgres://... or postgresql://..., handed to pgx as is, with a pool of at most
//     maxConns connections. With a statementTimeout, each session runs with that
//     statement_timeout and half of it as lock_timeout, so that a stuck statement or lock
//     wait ends on the server too (0: none, for commands such as migrations, whose
//     statements may rightly take long).
func Open(databaseURL string, maxConns int, statementTimeout time.Duration) (*bun.DB, error) {
	scheme, rest, ok := strings.Cut(databaseURL, "://")
	if !ok {
		return nil, errors.New("database URL has no scheme (want sqlite://, postgres:// or postgresql://)")
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		return openSQLite(rest)
	case "postgres", "postgresql":
		return openPostgres(databaseURL, maxConns, statementTimeout)
	default:
		return nil, fmt.Errorf("database URL scheme %q is not supported (want sqlite, postgres or postgresql)", scheme)
	}
}

func openSQLite(path string) (*bun.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite database URL has no file path")
	}
	// The driver cuts the file name at the first '?', where its parameters begin.
	if strings.Contains(path, "?") {
		return nil, errors.New("sqlite file path must not contain '?'")
	}
	// busy_timeout waits out another process's lock instead of failing at once;
	// _txlock=immediate takes the write lock when a transaction begins, so a transaction
	// that reads and then writes cannot fail halfway on a lock upgrade.
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(1)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

func openPostgres(databaseURL string, maxConns int, statementTimeout time.Duration) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(databaseURL) // its errors redact the password
	if err != nil {
		return nil, fmt.Errorf("postgres database URL: %w", err)
	}
	// Bun writes values into the SQL text, so each of its statements is new to the server.
	// In pgx's default mode, cache_statement (no mode in the URL, or that one), pgx would
	// prepare and cache every one: they run in the simple protocol instead, and the cache is
	// kept for the session lookup, whose id is a parameter. Any other mode is pgx's for every
	// query, that one included, so the pool has no cache (see sessionLookup).
	if cfg.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	} else {
		cfg.StatementCacheCapacity = 0
	}
	var opts []stdlib.OptionOpenDB
	if statementTimeout > 0 {
		// SET after connecting rather than startup parameters, which a PgBouncer refuses
		// unless told to ignore them.
		set := fmt.Sprintf("SET statement_timeout = %d; SET lock_timeout = %d",
			statementTimeout.Milliseconds(), statementTimeout.Milliseconds()/2)
		opts = append(opts, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, set)
			return err
		}))
	}
	sqldb := stdlib.OpenDB(*cfg, opts...)
	sqldb.SetMaxOpenConns(maxConns)
	sqldb.SetMaxIdleConns(maxConns)
	sqldb.SetConnMaxIdleTime(pgConnMaxIdleTime)
	sqldb.SetConnMaxLifetime(pgConnMaxLifetime)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// Ping checks that the database answers; when it cannot be reached the error matches
// domain.ErrStoreUnavailable.
func Ping(ctx context.Context, db *bun.DB) error {
	if err := db.PingContext(ctx); err != nil {
		return wrap("ping database", err)
	}
	return nil
}
