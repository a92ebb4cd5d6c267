package component_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// An MxShop user whose username or mobile a phoneauth user holds already is reported and
// skipped, and so is its token; the others are imported.
func TestDjangoImportSkipsTakenUsers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, target string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": target})
		taken := harness.NewMobile()
		h.Register(taken, "correct horse")
		source := "sqlite://" + mxshopDatabase(t, []djangoUser{
			{id: 4, username: "bob", mobile: "13700000004", password: "old password", iterations: 1000},
			{id: 5, username: taken, mobile: "13700000005", password: "old password", iterations: 1000, token: "0d6c6f5b1d3e5a34b1f7a6c1e3f9c2d8a7b6e5f4"},
			{id: 6, username: "carol", mobile: taken, password: "old password", iterations: 1000},
		})
		env := func(k string) (string, bool) {
			v, ok := map[string]string{"DATABASE_URL": target, "JWT_SECRET": harness.Secret}[k]
			return v, ok
		}
		var out bytes.Buffer
		require.NoError(t, bootstrap.Main(context.Background(), []string{"import-django", "--from", source}, env, &out, &out))
		require.Equal(t, "user 5 skipped: its username or mobile belongs to another user\n"+
			"user 6 skipped: its username or mobile belongs to another user\n"+
			"users:  1 imported, 0 already present, 2 skipped\n"+
			"tokens: 0 imported, 0 already present, 1 skipped\n", out.String())
		h.AddSecrets("old password")
		h.Login("bob", "old password")
	})
}
