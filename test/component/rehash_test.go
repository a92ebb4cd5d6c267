package component_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// previousHash is "correct horse" as the service hashed it before its Argon2id parameters
// moved from m=19456,t=2 to m=7168,t=5.
const previousHash = "$argon2id$v=19$m=19456,t=2,p=1$R0MRjd4PYOiEL0oWK9Xvbg$7xBLOjDcw0EUDPy3BzMmZQBSxVmIzbj7O+Iy7P7eqb8"

// A user whose hash has the previous parameters logs in with it, and the login stores a
// hash with the current ones.
func TestLoginUpgradesAHashOfThePreviousParameters(t *testing.T) {
	t.Parallel()
	for name, newURL := range map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			target := newURL(t)
			h := harness.New(t, map[string]string{"DATABASE_URL": target})
			mobile := harness.NewMobile()
			h.Register(mobile, "correct horse")
			setStoredHash(t, target, mobile, previousHash)

			h.Login(mobile, "correct horse")
			upgraded := storedUser(t, target, mobile).PasswordHash()
			require.True(t, strings.HasPrefix(upgraded, "$argon2id$v=19$m=7168,t=5,p=1$"), "stored after the login: %s", upgraded)
			h.Login(mobile, "correct horse") // and the upgraded hash verifies
			require.Equal(t, upgraded, storedUser(t, target, mobile).PasswordHash(), "a current hash is kept")
		})
	}
}

// setStoredHash writes encoded as login's password hash, as an older release left it.
func setStoredHash(t *testing.T, databaseURL, login, encoded string) {
	t.Helper()
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlstore.NewStore(db).Update(t.Context(), storedUser(t, databaseURL, login).ID(), func(u *domain.User) error {
		u.UpgradePasswordHash(encoded)
		return nil
	})
	require.NoError(t, err)
}
