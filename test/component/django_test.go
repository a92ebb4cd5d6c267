package component_test

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // the MxShop fixture is a SQLite file

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// djangoPBKDF2 hashes password as Django's PBKDF2PasswordHasher does.
func djangoPBKDF2(t *testing.T, password, salt string, iterations int) string {
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	require.NoError(t, err)
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", iterations, salt, base64.StdEncoding.EncodeToString(key))
}

type djangoUser struct {
	id               int
	username, mobile string
	password         string
	iterations       int
	token            string // DRF authtoken key, if any
}

// mxshopDatabase writes a SQLite file shaped like a running MxShop's database.
func mxshopDatabase(t *testing.T, users []djangoUser) string {
	path := filepath.Join(t.TempDir(), "mxshop.sqlite3")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for _, ddl := range []string{
		`CREATE TABLE "users_userprofile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "first_name" varchar(30) NOT NULL, "last_name" varchar(150) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "name" varchar(30) NULL, "birthday" date NULL, "gender" varchar(6) NOT NULL, "mobile" varchar(11) NULL, "email" varchar(100) NULL)`,
		`CREATE TABLE "authtoken_token" ("key" varchar(40) NOT NULL PRIMARY KEY, "created" datetime NOT NULL, "user_id" integer NOT NULL UNIQUE REFERENCES "users_userprofile" ("id"))`,
	} {
		_, err := db.Exec(ddl)
		require.NoError(t, err)
	}
	for _, u := range users {
		_, err := db.Exec(`INSERT INTO users_userprofile VALUES (?, ?, NULL, 0, ?, '', '', 0, 1, '2018-01-02 03:04:05', ?, NULL, 'male', ?, NULL)`,
			u.id, djangoPBKDF2(t, u.password, fmt.Sprintf("salt%d", u.id), u.iterations), u.username, "Name "+u.username, u.mobile)
		require.NoError(t, err)
		if u.token != "" {
			_, err := db.Exec(`INSERT INTO authtoken_token VALUES (?, '2019-03-04 05:06:07', ?)`, u.token, u.id)
			require.NoError(t, err)
		}
	}
	return path
}

// Users of a running MxShop move over without a password reset: imported with their
// Django hashes, they log in through the API, and the hash is upgraded to Argon2id.
func TestDjangoUsersMoveOver(t *testing.T) {
	t.Parallel()
	users := []djangoUser{
		{id: 3, username: "13700000003", mobile: "13700000003", password: "old password one", iterations: 20000},
		{id: 8, username: "alice", mobile: "13700000008", password: "old password two", iterations: 36000, token: "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
		{id: 21, username: "13700000021", mobile: "13700000021", password: "old password three", iterations: 260000},
	}
	source := "sqlite://" + mxshopDatabase(t, users)
	for name, newURL := range map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			target := newURL(t)
			env := func(k string) (string, bool) {
				v, ok := map[string]string{"DATABASE_URL": target, "JWT_SECRET": harness.Secret}[k]
				return v, ok
			}
			importOnce := func() string {
				var out bytes.Buffer
				require.NoError(t, bootstrap.Main(context.Background(), []string{"import-django", "--from", source}, env, &out, &out))
				return out.String()
			}
			require.Contains(t, importOnce(), "users:  3 imported, 0 already present, 0 skipped\ntokens: 1 imported, 0 already present, 0 skipped")
			require.Contains(t, importOnce(), "users:  0 imported, 3 already present, 0 skipped\ntokens: 0 imported, 1 already present, 0 skipped", "imports repeat safely")

			h := harness.New(t, map[string]string{"DATABASE_URL": target})
			for _, u := range users {
				h.AddSecrets(u.password)
				require.True(t, strings.HasPrefix(storedUser(t, target, u.username).PasswordHash(), "pbkdf2_sha256$"), "imported as Django stored it")
				h.Login(u.username, u.password)
				h.Login(u.mobile, u.password)
				require.True(t, strings.HasPrefix(storedUser(t, target, u.username).PasswordHash(), "$argon2id$"), "user %d's hash was upgraded", u.id)
				h.Login(u.username, u.password) // and the upgraded hash verifies
			}
			// The DRF token keeps working, stored hashed; ids are kept, so Django's tokens name the same users.
			h.AddSecrets(users[1].token)
			harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+users[1].token), http.StatusOK,
				`{"name": "Name alice", "gender": "male", "birthday": null, "email": null, "mobile": "13700000008"}`)
			require.Equal(t, http.StatusOK, me(h, djangoToken(t, h, 21, "13700000021")))
			// A new registration gets an id past the imported ones.
			mobile := harness.NewMobile()
			h.Register(mobile, "correct horse")
			require.EqualValues(t, 22, storedUser(t, target, mobile).ID())
		})
	}
}

func storedUser(t *testing.T, databaseURL, login string) *domain.User {
	t.Helper()
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	defer db.Close()
	u, err := sqlstore.NewStore(db).ByLogin(t.Context(), login)
	require.NoError(t, err)
	return u
}
