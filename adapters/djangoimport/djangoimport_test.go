package djangoimport_test

import (
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/djangoimport"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// The tables as Django's migrations create them for MxShop (users.UserProfile extends
// AbstractUser; rest_framework.authtoken), per database.
var schemas = map[string][2]string{
	"sqlite": {
		`CREATE TABLE "users_userprofile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(30) NOT NULL, "last_name" varchar(150) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "name" varchar(30) NULL, "birthday" date NULL, "gender" varchar(6) NOT NULL, "mobile" varchar(11) NULL, "email" varchar(100) NULL)`,
		`CREATE TABLE "authtoken_token" ("key" varchar(40) NOT NULL PRIMARY KEY, "created" datetime NOT NULL, "user_id" integer NOT NULL UNIQUE REFERENCES "users_userprofile" ("id") DEFERRABLE INITIALLY DEFERRED)`,
	},
	"postgres": {
		`CREATE TABLE "users_userprofile" ("id" serial NOT NULL PRIMARY KEY, "password" varchar(128) NOT NULL, "last_login" timestamp with time zone NULL, "is_superuser" boolean NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(30) NOT NULL, "last_name" varchar(150) NOT NULL, "is_staff" boolean NOT NULL, "is_active" boolean NOT NULL, "date_joined" timestamp with time zone NOT NULL, "name" varchar(30) NULL, "birthday" date NULL, "gender" varchar(6) NOT NULL, "mobile" varchar(11) NULL, "email" varchar(100) NULL)`,
		`CREATE TABLE "authtoken_token" ("key" varchar(40) NOT NULL PRIMARY KEY, "created" timestamp with time zone NOT NULL, "user_id" integer NOT NULL UNIQUE REFERENCES "users_userprofile" ("id") DEFERRABLE INITIALLY DEFERRED)`,
	},
}

// Rows as a running MxShop holds them. Datetimes are written as Django writes them: naive
// UTC text on SQLite (USE_TZ = True), timestamptz on Postgres; {ts} is filled in per database.
var rows = []string{
	`INSERT INTO users_userprofile (id, password, last_login, is_superuser, username, first_name, last_name, is_staff, is_active, date_joined, name, birthday, gender, mobile, email)
	 VALUES (1, 'pbkdf2_sha256$36000$QwLkpxYb2HRf$H5dZaIIh7Sgt/h3vMlTVVUwQdOXuh8xTjjA1N0cRq2E=', NULL, TRUE, 'admin', 'Ad', 'Min', TRUE, TRUE, '2017-08-01 10:00:00.123456{tz}', NULL, NULL, 'female', NULL, '')`,
	`INSERT INTO users_userprofile (id, password, last_login, is_superuser, username, first_name, last_name, is_staff, is_active, date_joined, name, birthday, gender, mobile, email)
	 VALUES (5, 'bcrypt_sha256$$2b$12$CQJRwPd4.iOJkQz5SxYbI.r9gLjVp1p4tze59r8BeFQOf2ncPvj2G', '2019-01-01 00:00:00{tz}', FALSE, '13800000001', '', '', FALSE, FALSE, '2018-01-02 03:04:05{tz}', '小明', '1990-05-17', 'male', '13800000001', 'xm@example.com')`,
	`INSERT INTO users_userprofile (id, password, last_login, is_superuser, username, first_name, last_name, is_staff, is_active, date_joined, name, birthday, gender, mobile, email)
	 VALUES (7, '!unusable', NULL, FALSE, '13900000002', '', '', FALSE, TRUE, '2018-02-03 04:05:06{tz}', '', NULL, '', '13900000002', NULL)`,
	`INSERT INTO users_userprofile (id, password, last_login, is_superuser, username, first_name, last_name, is_staff, is_active, date_joined, name, birthday, gender, mobile, email)
	 VALUES (8, 'pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=', NULL, FALSE, '13900000003', '', '', FALSE, TRUE, '2018-02-03 04:05:07{tz}', NULL, NULL, 'other', '13900000003', NULL)`,
}

var tokenRows = []string{
	`INSERT INTO authtoken_token ("key", created, user_id) VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', '2019-03-04 05:06:07.5{tz}', 5)`,
	`INSERT INTO authtoken_token ("key", created, user_id) VALUES ('0123456789abcdef0123456789abcdef01234567', '2019-03-05 00:00:00{tz}', 1)`,
}

var wantUsers = []domain.UserRecord{
	{
		ID: 1, Username: "admin", PasswordHash: "pbkdf2_sha256$36000$QwLkpxYb2HRf$H5dZaIIh7Sgt/h3vMlTVVUwQdOXuh8xTjjA1N0cRq2E=",
		Gender: domain.GenderFemale, Active: true, DateJoined: time.Date(2017, 8, 1, 10, 0, 0, 123456000, time.UTC),
	},
	{
		ID: 5, Username: "13800000001", Mobile: "13800000001",
		PasswordHash: "bcrypt_sha256$$2b$12$CQJRwPd4.iOJkQz5SxYbI.r9gLjVp1p4tze59r8BeFQOf2ncPvj2G",
		Name:         "小明", Gender: domain.GenderMale, Birthday: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
		Email: "xm@example.com", Active: false, DateJoined: time.Date(2018, 1, 2, 3, 4, 5, 0, time.UTC),
	},
	{
		ID: 7, Username: "13900000002", Mobile: "13900000002", PasswordHash: "!unusable",
		Gender: domain.GenderFemale, Active: true, DateJoined: time.Date(2018, 2, 3, 4, 5, 6, 0, time.UTC),
	},
	{
		ID: 8, Username: "13900000003", Mobile: "13900000003",
		PasswordHash: "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=",
		Gender:       domain.GenderFemale, Active: true, DateJoined: time.Date(2018, 2, 3, 4, 5, 7, 0, time.UTC),
	},
}

var wantTokens = []domain.ImportedAPIToken{
	{Key: "0123456789abcdef0123456789abcdef01234567", UserID: 1, Created: time.Date(2019, 3, 5, 0, 0, 0, 0, time.UTC)},
	{Key: "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", UserID: 5, Created: time.Date(2019, 3, 4, 5, 6, 7, 500000000, time.UTC)},
}

// fixture creates an MxShop database of the given kind and returns its URL.
func fixture(t *testing.T, kind string, withTokens bool) string {
	t.Helper()
	var (
		url, driver, dsn, tz string
	)
	switch kind {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "mxshop.sqlite3")
		url, driver, dsn = "sqlite://"+path, "sqlite", path
	case "postgres":
		url = testdb.PostgresURL(t)
		driver, dsn, tz = "pgx", url, "+00"
	}
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	defer db.Close()
	statements := append([]string{schemas[kind][0]}, rows...)
	if withTokens {
		statements = append(append(statements, schemas[kind][1]), tokenRows...)
	}
	for _, s := range statements {
		_, err := db.ExecContext(t.Context(), strings.ReplaceAll(s, "{tz}", tz))
		require.NoError(t, err, s)
	}
	return url
}

func TestRead(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			src, err := djangoimport.Read(t.Context(), fixture(t, kind, true), djangoimport.Options{})
			require.NoError(t, err)
			assert.Equal(t, wantUsers, src.Users)
			assert.Equal(t, wantTokens, src.Tokens)
		})
	}
}

func TestReadWithoutTokenTable(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			src, err := djangoimport.Read(t.Context(), fixture(t, kind, false), djangoimport.Options{})
			require.NoError(t, err)
			assert.Equal(t, wantUsers, src.Users)
			assert.Empty(t, src.Tokens)
		})
	}
}

// MxShop's settings have USE_TZ = False and TIME_ZONE = "Asia/Shanghai": Django then writes
// naive datetimes in Shanghai time. Postgres's timestamptz knows its zone and ignores the option.
func TestReadNaiveDatetimesInTheShopsTimeZone(t *testing.T) {
	shanghai := djangoimport.Options{TimeZone: time.FixedZone("CST", 8*60*60)}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		src, err := djangoimport.Read(t.Context(), fixture(t, "sqlite", true), shanghai)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2017, 8, 1, 2, 0, 0, 123456000, time.UTC), src.Users[0].DateJoined)
		assert.Equal(t, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), src.Users[1].Birthday, "a date has no zone")
		assert.Equal(t, time.Date(2019, 3, 4, 16, 0, 0, 0, time.UTC), src.Tokens[0].Created)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		src, err := djangoimport.Read(t.Context(), fixture(t, "postgres", true), shanghai)
		require.NoError(t, err)
		assert.Equal(t, wantUsers, src.Users)
		assert.Equal(t, wantTokens, src.Tokens)
	})
}

func TestReadWritesNothing(t *testing.T) {
	url := fixture(t, "sqlite", true)
	path := strings.TrimPrefix(url, "sqlite://")
	before := fileSum(t, path)
	_, err := djangoimport.Read(t.Context(), url, djangoimport.Options{})
	require.NoError(t, err)
	assert.Equal(t, before, fileSum(t, path))

	missing := filepath.Join(t.TempDir(), "typo.sqlite3")
	_, err = djangoimport.Read(t.Context(), "sqlite://"+missing, djangoimport.Options{})
	require.Error(t, err)
	assert.NoFileExists(t, missing, "a wrong path creates no empty database")
}

func TestReadRefuses(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.sqlite3")
	db, err := sql.Open("sqlite", empty)
	require.NoError(t, err)
	_, err = db.Exec("CREATE TABLE unrelated (id integer)")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	for url, wantInError := range map[string]string{
		"mysql://root@localhost/mxshop":          `"mysql"`,
		"mxshop.sqlite3":                         "no scheme",
		"sqlite://":                              "no file path",
		"sqlite://" + empty:                      "users_userprofile",
		"postgres://u:hunter2@localhost:nope/db": "cannot parse",
	} {
		_, err := djangoimport.Read(t.Context(), url, djangoimport.Options{})
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), wantInError, url)
		assert.NotContains(t, err.Error(), "hunter2", "the password never reaches an error")
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}
