// Package djangoimport reads the accounts of a running MxShop (Django) database so that
// phoneauth can import them: users with their password hashes and profiles, and DRF's
// opaque tokens. It only reads, in one read-only transaction, and writes nowhere; storing
// what it returns is the import use case's job (application.ImportAccounts).
//
// What it assumes of the source schema, MxShop's as its migrations made it:
//
//   - users_userprofile has Django's AbstractUser columns and MxShop's own: id, password,
//     username, is_active, date_joined, name (NULL allowed), birthday (date, NULL allowed),
//     gender ("male" or "female"), mobile (NULL allowed) and email (NULL allowed). Other
//     columns (last_login, is_superuser, is_staff, first_name, last_name) are not read:
//     phoneauth has no admin flags, and MxShop shows name, not first and last names.
//   - authtoken_token (key, created, user_id), DRF's token table, may be missing; then no
//     tokens are returned.
//   - Datetimes are Postgres timestamptz (what Django creates there), or naive values,
//     which Django writes in UTC with USE_TZ = True and in TIME_ZONE with USE_TZ = False
//     (see Options.TimeZone). SQLite holds them as Django's text, "2006-01-02 15:04:05.999999".
//
// Values are mapped to domain.UserRecord as they are: ids are kept (the shop's other Django
// apps refer to users by id), password hashes are Django's (the password adapter reads
// them), NULLs become empty strings, an unknown or empty gender becomes "female" (MxShop's
// default), birthdays are dates at midnight UTC. The reader does not check what the store
// enforces (a mobile used twice, say).
package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/phoneauth/phoneauth/domain"
)

// Source is what an MxShop database holds for phoneauth, ordered by user id.
type Source struct {
	Users []domain.UserRecord
	// Tokens are DRF's: Key is the 40 hex characters DRF stored in clear, Created is UTC.
	// Empty when the database has no authtoken_token table.
	Tokens []domain.ImportedAPIToken
}

// Options tune how the source is read; the zero value suits a shop that ran with
// USE_TZ = True.
type Options struct {
	// TimeZone is the zone of naive datetimes: Django's TIME_ZONE when the shop ran with
	// USE_TZ = False (MxShop's own settings say "Asia/Shanghai"). Nil means UTC. Postgres
	// timestamptz values carry their zone and ignore it.
	TimeZone *time.Location
}

// dialect is the SQL that differs between the two databases.
type dialect struct {
	driver, dsn string
	// tokensExist answers whether authtoken_token exists, in the connection's schema.
	tokensExist string
}

// Read returns the users and tokens of the MxShop database at fromURL: postgres:// or
// postgresql:// (handed to pgx), or sqlite://<file path> (opened read-only; the file must
// exist). Errors name the table, never the URL's password.
func Read(ctx context.Context, fromURL string, opts Options) (Source, error) {
	d, err := dialectOf(fromURL)
	if err != nil {
		return Source{}, err
	}
	db, err := sql.Open(d.driver, d.dsn)
	if err != nil {
		return Source{}, fmt.Errorf("djangoimport: open: %w", err)
	}
	defer db.Close()

	// One transaction, so that tokens and users are one snapshot of a shop still running.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Source{}, fmt.Errorf("djangoimport: connect: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep or lose

	loc := opts.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	var src Source
	if src.Users, err = readUsers(ctx, tx, loc); err != nil {
		return Source{}, err
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, d.tokensExist).Scan(&exists); err != nil {
		return Source{}, fmt.Errorf("djangoimport: looking for authtoken_token: %w", err)
	}
	if exists {
		if src.Tokens, err = readTokens(ctx, tx, loc); err != nil {
			return Source{}, err
		}
	}
	return src, nil
}

func dialectOf(fromURL string) (dialect, error) {
	scheme, path, ok := strings.Cut(fromURL, "://")
	if !ok {
		return dialect{}, errors.New("djangoimport: source URL has no scheme (want postgres://, postgresql:// or sqlite://)")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return dialect{driver: "pgx", dsn: fromURL, tokensExist: `SELECT to_regclass('authtoken_token') IS NOT NULL`}, nil
	case "sqlite":
		if path == "" {
			return dialect{}, errors.New("djangoimport: sqlite URL has no file path")
		}
		// A URI filename, so that SQLite opens the file read-only and never creates it.
		uri := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
		return dialect{driver: "sqlite", dsn: uri,
			tokensExist: `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'authtoken_token')`}, nil
	default:
		return dialect{}, fmt.Errorf("djangoimport: source URL scheme %q is not supported (want postgres, postgresql or sqlite)", scheme)
	}
}

func readUsers(ctx context.Context, tx *sql.Tx, loc *time.Location) ([]domain.UserRecord, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, password, username, mobile, name, gender, birthday, email, is_active, date_joined
		FROM users_userprofile ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: reading users_userprofile: %w", err)
	}
	defer rows.Close()
	joinedNaive, err := naiveColumn(rows, 9)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: reading users_userprofile: %w", err)
	}
	var users []domain.UserRecord
	for rows.Next() {
		var (
			r                           domain.UserRecord
			mobile, name, gender, email sql.NullString
			birthday, joined            any
		)
		if err := rows.Scan(&r.ID, &r.PasswordHash, &r.Username, &mobile, &name, &gender, &birthday, &email, &r.Active, &joined); err != nil {
			return nil, fmt.Errorf("djangoimport: reading users_userprofile: %w", err)
		}
		r.Mobile, r.Name, r.Email = mobile.String, name.String, email.String
		r.Gender = domain.GenderFemale
		if domain.Gender(gender.String) == domain.GenderMale {
			r.Gender = domain.GenderMale
		}
		if r.Birthday, err = date(birthday); err != nil {
			return nil, fmt.Errorf("djangoimport: users_userprofile id %d: birthday: %w", r.ID, err)
		}
		if r.DateJoined, err = instant(joined, joinedNaive, loc); err != nil {
			return nil, fmt.Errorf("djangoimport: users_userprofile id %d: date_joined: %w", r.ID, err)
		}
		users = append(users, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("djangoimport: reading users_userprofile: %w", err)
	}
	return users, nil
}

func readTokens(ctx context.Context, tx *sql.Tx, loc *time.Location) ([]domain.ImportedAPIToken, error) {
	rows, err := tx.QueryContext(ctx, `SELECT "key", user_id, created FROM authtoken_token ORDER BY user_id, "key"`)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: reading authtoken_token: %w", err)
	}
	defer rows.Close()
	createdNaive, err := naiveColumn(rows, 2)
	if err != nil {
		return nil, fmt.Errorf("djangoimport: reading authtoken_token: %w", err)
	}
	var tokens []domain.ImportedAPIToken
	for rows.Next() {
		var (
			t       domain.ImportedAPIToken
			created any
		)
		if err := rows.Scan(&t.Key, &t.UserID, &created); err != nil {
			return nil, fmt.Errorf("djangoimport: reading authtoken_token: %w", err)
		}
		// The key is a credential: errors name the user, not the token.
		if t.Created, err = instant(created, createdNaive, loc); err != nil {
			return nil, fmt.Errorf("djangoimport: authtoken_token of user %d: created: %w", t.UserID, err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("djangoimport: reading authtoken_token: %w", err)
	}
	return tokens, nil
}

// naiveColumn tells whether column i holds datetimes without a zone: anything but
// Postgres's timestamptz.
func naiveColumn(rows *sql.Rows, i int) (bool, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return false, err
	}
	return !strings.EqualFold(types[i].DatabaseTypeName(), "TIMESTAMPTZ"), nil
}

// naiveLayouts are the ways Django and SQLite write a datetime without a zone.
var naiveLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04"}

// instant returns a datetime as a UTC time: a naive value is a wall clock in loc. Drivers
// hand naive values over as times in UTC (pgx for timestamp, the SQLite driver for text
// without an offset) or as text.
func instant(v any, naive bool, loc *time.Location) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		if naive && t.Location() == time.UTC {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		}
		return t.UTC(), nil
	case []byte:
		return instant(string(t), naive, loc)
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00"} {
			if parsed, err := time.Parse(layout, t); err == nil {
				return parsed.UTC(), nil
			}
		}
		for _, layout := range naiveLayouts {
			if parsed, err := time.ParseInLocation(layout, t, loc); err == nil {
				return parsed.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("unreadable datetime %q", t)
	default:
		return time.Time{}, fmt.Errorf("unexpected datetime of type %T", v)
	}
}

// date returns a date column's value at midnight UTC, or the zero time for NULL.
func date(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	case []byte:
		return date(string(t))
	case string:
		d, err := time.Parse(time.DateOnly, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("unreadable date %q", t)
		}
		return d, nil
	default:
		return time.Time{}, fmt.Errorf("unexpected date of type %T", v)
	}
}
