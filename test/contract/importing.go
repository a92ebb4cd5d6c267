package contract

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

// ImportStore checks ports.ImportStore. Imported ids are random and far past the ids that
// Register hands out in a test run, so that the tests share one database without colliding.
func ImportStore(t *testing.T, newStore func(t *testing.T) Store) {
	importedUser := func() domain.UserRecord {
		r := fullRecord()
		r.ID = 1_000_000_000_000 + rand.Int64N(1_000_000_000_000)
		return r
	}
	importUser := func(t *testing.T, s Store, r domain.UserRecord) {
		t.Helper()
		created, err := s.ImportUser(t.Context(), r)
		require.NoError(t, err)
		require.True(t, created, "inserted")
	}
	tokenOf := func(userID int64) domain.APIToken {
		key := sha256.Sum256([]byte("imported key" + randomMobile() + randomMobile()))
		created := epoch().Add(-300 * 24 * time.Hour)
		return domain.APIToken{KeyHash: key[:], UserID: userID, CreatedAt: created, ExpiresAt: epoch().Add(30 * 24 * time.Hour)}
	}

	t.Run("ImportUser keeps the id and every field", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r := importedUser()
		importUser(t, s, r)
		got, err := s.ByID(t.Context(), r.ID)
		require.NoError(t, err)
		assertUser(t, r, got)
		got, err = s.ByLogin(t.Context(), r.Mobile)
		require.NoError(t, err)
		assertUser(t, r, got)
	})

	t.Run("ImportUser of a stored id leaves it alone", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r := importedUser()
		importUser(t, s, r)
		again := fullRecord()
		again.ID = r.ID
		created, err := s.ImportUser(t.Context(), again)
		require.NoError(t, err)
		assert.False(t, created)
		got, err := s.ByID(t.Context(), r.ID)
		require.NoError(t, err)
		assertUser(t, r, got)
		_, err = s.ByLogin(t.Context(), again.Username)
		assert.ErrorIs(t, err, domain.ErrUserNotFound)
	})

	t.Run("a username or mobile of another user is ErrUserExists", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		imported := importedUser()
		importUser(t, s, imported)
		registered := record(createUser(t, s, fullRecord()))
		for name, holder := range map[string]domain.UserRecord{"imported": imported, "registered": registered} {
			sameUsername, sameMobile := importedUser(), importedUser()
			sameUsername.Username = holder.Username
			sameMobile.Mobile = holder.Mobile
			for _, r := range []domain.UserRecord{sameUsername, sameMobile} {
				created, err := s.ImportUser(t.Context(), r)
				assert.ErrorIs(t, err, domain.ErrUserExists, "a user of the %s user's", name)
				assert.False(t, created)
				_, err = s.ByID(t.Context(), r.ID)
				assert.ErrorIs(t, err, domain.ErrUserNotFound, "nothing stored")
			}
		}
	})

	t.Run("users without a mobile import", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for range 2 {
			r := importedUser()
			r.Mobile = ""
			importUser(t, s, r)
		}
	})

	t.Run("after FinishImport a registration gets an id past the imported ones", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r := importedUser()
		importUser(t, s, r)
		require.NoError(t, s.FinishImport(t.Context()))
		assert.Greater(t, createUser(t, s, fullRecord()).ID(), r.ID)
	})

	t.Run("ImportAPIToken stores a token once", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r := importedUser()
		importUser(t, s, r)
		want := tokenOf(r.ID)
		created, err := s.ImportAPIToken(t.Context(), want)
		require.NoError(t, err)
		assert.True(t, created)

		again := want
		again.ExpiresAt = want.ExpiresAt.Add(time.Hour)
		created, err = s.ImportAPIToken(t.Context(), again)
		require.NoError(t, err)
		assert.False(t, created)
		got, err := s.Find(t.Context(), want.KeyHash)
		require.NoError(t, err)
		assert.Equal(t, want.UserID, got.UserID)
		assertTime(t, want.CreatedAt, got.CreatedAt, "created at")
		assertTime(t, want.ExpiresAt, got.ExpiresAt, "expires at: the first import's")
	})

	t.Run("a token of a user that is not stored is ErrUserNotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		token := tokenOf(importedUser().ID)
		created, err := s.ImportAPIToken(t.Context(), token)
		assert.ErrorIs(t, err, domain.ErrUserNotFound)
		assert.False(t, created)
		_, err = s.Find(t.Context(), token.KeyHash)
		assert.ErrorIs(t, err, domain.ErrTokenInvalid)
	})
}
