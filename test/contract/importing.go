package contract

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// ImportStorePorts are what the ImportStore suite needs: the port; ports.UserRepository
// and ports.APITokenRepository, to read back what was imported; and ports.Registrar, whose
// users must neither collide with imported ones nor get their ids.
type ImportStorePorts interface {
	ports.ImportStore
	ports.UserRepository
	ports.APITokenRepository
	ports.Registrar
}

// ImportStore checks ports.ImportStore. Imported ids are random and far past the ids that
// Register hands out in a test run, so that the tests share one database without colliding.
func ImportStore(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
	t.Run("ImportUser keeps the id and every field", func(t *testing.T) { testImportUser(t, newStore) })
	t.Run("ImportUser of a stored id leaves it alone", func(t *testing.T) { testImportUserAgain(t, newStore) })
	t.Run("a username or mobile of another user is ErrUserExists", func(t *testing.T) { testImportUserTaken(t, newStore) })
	t.Run("users without a mobile import", func(t *testing.T) { testImportUsersWithoutMobile(t, newStore) })
	t.Run("after FinishImport a registration gets an id past the imported ones", func(t *testing.T) { testFinishImport(t, newStore) })
	t.Run("ImportAPIToken stores a token once", func(t *testing.T) { testImportAPIToken(t, newStore) })
	t.Run("a token of a user that is not stored is ErrUserNotFound", func(t *testing.T) { testImportAPITokenOfUnknownUser(t, newStore) })
}

func testImportUser(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
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
}

func testImportUserAgain(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
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
}

func testImportUserTaken(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
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
}

func testImportUsersWithoutMobile(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
	t.Parallel()
	s := newStore(t)
	for range 2 {
		r := importedUser()
		r.Mobile = ""
		importUser(t, s, r)
	}
}

func testFinishImport(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
	t.Parallel()
	s := newStore(t)
	r := importedUser()
	importUser(t, s, r)
	require.NoError(t, s.FinishImport(t.Context()))
	assert.Greater(t, createUser(t, s, fullRecord()).ID(), r.ID)
}

func testImportAPIToken(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
	t.Parallel()
	s := newStore(t)
	r := importedUser()
	importUser(t, s, r)
	want := importedToken(r.ID)
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
}

func testImportAPITokenOfUnknownUser(t *testing.T, newStore func(t *testing.T) ImportStorePorts) {
	t.Parallel()
	s := newStore(t)
	token := importedToken(importedUser().ID)
	created, err := s.ImportAPIToken(t.Context(), token)
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
	assert.False(t, created)
	_, err = s.Find(t.Context(), token.KeyHash)
	assert.ErrorIs(t, err, domain.ErrTokenInvalid)
}

// importedUser is a user with every field set and an id of its own.
func importedUser() domain.UserRecord {
	r := fullRecord()
	r.ID = 1_000_000_000_000 + rand.Int64N(1_000_000_000_000)
	return r
}

func importUser(t *testing.T, s ports.ImportStore, r domain.UserRecord) {
	t.Helper()
	created, err := s.ImportUser(t.Context(), r)
	require.NoError(t, err)
	require.True(t, created, "inserted")
}

// importedToken is a token of userID created long ago, with a key hash of its own.
func importedToken(userID int64) domain.APIToken {
	key := sha256.Sum256([]byte("imported key" + randomMobile() + randomMobile()))
	created := epoch().Add(-300 * 24 * time.Hour)
	return domain.APIToken{KeyHash: key[:], UserID: userID, CreatedAt: created, ExpiresAt: epoch().Add(30 * 24 * time.Hour)}
}
