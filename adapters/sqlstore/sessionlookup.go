package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// sessionSQL loads a session and its user. It runs on every request authenticated by a
// session, and is the one query of the store that Bun does not run: Bun writes the id into
// the SQL text, so the database would parse and plan each request's query anew, and
// GET /users/1/ lost a quarter to two thirds of its requests/s (docs/PERFORMANCE.md).
// Neither the session's id nor its user's is read twice: every column costs allocations.
const sessionSQL = `SELECT s.started_at, s.revoked,
	u.id, u.username, u.mobile, u.password_hash, u.name, u.gender, u.birthday, u.email,
	u.active, u.date_joined, u.token_version
	FROM sessions AS s JOIN users AS u ON u.id = s.user_id WHERE s.id = $1`

// sessionLookup runs sessionSQL with the id as a parameter, through database/sql, as a
// statement prepared once per connection:
//
//   - on SQLite, a *sql.Stmt prepared at the first lookup and kept: the driver caches no
//     statement, and SQLite prepares a kept one again when the schema changes;
//   - on Postgres, in pgx's statement cache, which prepares it again when a migration
//     changes what it returns. Only while the pool has that cache: a default_query_exec_mode
//     other than cache_statement in DATABASE_URL, or statement_cache_capacity=0, leaves it
//     none (see openPostgres), and pgx runs the query in the pool's mode, preparing nothing.
//
// Either is made at the first lookup, once the migrations have made the tables.
type sessionLookup struct {
	mu       sync.Mutex
	ready    bool
	stmt     *sql.Stmt // SQLite
	pgCached bool      // Postgres: pgx prepares and caches the query
}

// queryRow runs the lookup of id on db and scans the row into dest.
func (l *sessionLookup) queryRow(ctx context.Context, db *bun.DB, id string, dest ...any) error {
	if err := l.prepare(ctx, db); err != nil {
		return err
	}
	switch {
	case l.stmt != nil:
		return l.stmt.QueryRowContext(ctx, id).Scan(dest...)
	case l.pgCached:
		return db.DB.QueryRowContext(ctx, sessionSQL, pgx.QueryExecModeCacheStatement, id).Scan(dest...)
	default:
		return db.DB.QueryRowContext(ctx, sessionSQL, id).Scan(dest...)
	}
}

func (l *sessionLookup) prepare(ctx context.Context, db *bun.DB) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ready {
		return nil
	}
	if db.Dialect().Name() == dialect.PG {
		cached, err := cachesStatements(ctx, db.DB)
		if err != nil {
			return err
		}
		l.pgCached = cached
	} else {
		stmt, err := db.DB.PrepareContext(ctx, sessionSQL)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		l.stmt = stmt
	}
	l.ready = true
	return nil
}

// cachesStatements tells whether the pool's connections keep pgx's statement cache, as
// configured by openPostgres.
func cachesStatements(ctx context.Context, db *sql.DB) (bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var cached bool
	err = conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", driverConn)
		}
		cached = pc.Conn().Config().StatementCacheCapacity > 0
		return nil
	})
	return cached, err
}
