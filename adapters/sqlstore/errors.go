package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/phoneauth/phoneauth/domain"
)

// wrap adds op to err and, when the database could not be reached, makes the error match
// domain.ErrStoreUnavailable; the original stays in the chain for the logs.
func wrap(op string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("%w: %s: %w", domain.ErrStoreUnavailable, op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unreachable tells whether err means the database cannot be reached or cannot serve now,
// rather than that the request itself was wrong.
func unreachable(err error) bool {
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
		pgErr      *pgconn.PgError
		sqliteErr  *sqlite.Error
	)
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		// pgx reports a connection lost during a simple-protocol query as closed.
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed),
		errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 53300: too many connections;
		// 57P01..57P03: the server is shutting down or starting up; 57014 and 55P03: a
		// statement or a lock wait outlived statement_timeout or lock_timeout.
		switch pgErr.Code {
		case "53300", "57P01", "57P02", "57P03", "57014", "55P03":
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	case errors.As(err, &sqliteErr):
		// Extended result codes carry the primary code in the low byte.
		switch sqliteErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}

// uniqueViolation tells whether err is a unique or primary key constraint failure.
func uniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		c := sqliteErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// foreignKeyViolation tells whether err is a foreign key constraint failure.
func foreignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		return sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
