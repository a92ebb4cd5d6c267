package contract

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// APITokenRepositoryPorts are what the APITokenRepository suite needs: the port, and
// ports.Registrar, the only way to create the users tokens belong to.
type APITokenRepositoryPorts interface {
	ports.APITokenRepository
	ports.Registrar
}

// APITokenRepository checks ports.APITokenRepository.
func APITokenRepository(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Run("Find returns what Create stored", func(t *testing.T) { testAPITokenRoundTrip(t, newStore) })
	t.Run("Find of an unknown key hash is ErrTokenInvalid", func(t *testing.T) { testFindUnknownAPIToken(t, newStore) })
	t.Run("a user may hold several tokens", func(t *testing.T) { testSeveralAPITokens(t, newStore) })
	t.Run("Create for an unknown user is ErrUserNotFound", func(t *testing.T) { testAPITokenOfUnknownUser(t, newStore) })
	t.Run("stored key hashes are copies", func(t *testing.T) { testAPITokenKeyHashCopies(t, newStore) })
}

func testAPITokenRoundTrip(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := newAPIToken(createUser(t, s, fullRecord()).ID())
	require.NoError(t, s.Create(t.Context(), want))
	got, err := s.Find(t.Context(), want.KeyHash)
	require.NoError(t, err)
	assertAPIToken(t, want, got)
}

func testFindUnknownAPIToken(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	for _, keyHash := range [][]byte{newAPIToken(1).KeyHash, {}, nil} {
		_, err := s.Find(t.Context(), keyHash)
		assert.ErrorIs(t, err, domain.ErrTokenInvalid)
	}
}

func testSeveralAPITokens(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	id := createUser(t, s, fullRecord()).ID()
	a, b := newAPIToken(id), newAPIToken(id)
	require.NoError(t, s.Create(t.Context(), a))
	require.NoError(t, s.Create(t.Context(), b))
	for _, want := range []domain.APIToken{a, b} {
		got, err := s.Find(t.Context(), want.KeyHash)
		require.NoError(t, err)
		assertAPIToken(t, want, got)
	}
}

func testAPITokenOfUnknownUser(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	token := newAPIToken(1 << 62)
	assert.ErrorIs(t, s.Create(t.Context(), token), domain.ErrUserNotFound)
	_, err := s.Find(t.Context(), token.KeyHash)
	assert.ErrorIs(t, err, domain.ErrTokenInvalid)
}

func testAPITokenKeyHashCopies(t *testing.T, newStore func(t *testing.T) APITokenRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	token := newAPIToken(createUser(t, s, fullRecord()).ID())
	want := token
	want.KeyHash = append([]byte(nil), token.KeyHash...)
	require.NoError(t, s.Create(t.Context(), token))
	token.KeyHash[0] ^= 0xff

	got, err := s.Find(t.Context(), want.KeyHash)
	require.NoError(t, err)
	got.KeyHash[1] ^= 0xff
	got, err = s.Find(t.Context(), want.KeyHash)
	require.NoError(t, err)
	assertAPIToken(t, want, got)
}

// newAPIToken returns a token of userID with a key hash no other test uses.
func newAPIToken(userID int64) domain.APIToken {
	key := sha256.Sum256([]byte("key" + randomMobile() + randomMobile()))
	created := epoch().Add(1500 * time.Millisecond)
	return domain.APIToken{
		KeyHash:   key[:],
		UserID:    userID,
		CreatedAt: created,
		ExpiresAt: created.Add(30 * 24 * time.Hour),
	}
}

func assertAPIToken(t *testing.T, want, got domain.APIToken) {
	t.Helper()
	assert.Equal(t, want.KeyHash, got.KeyHash, "key hash")
	assert.Equal(t, want.UserID, got.UserID, "user id")
	assertTime(t, want.CreatedAt, got.CreatedAt, "created at")
	assertTime(t, want.ExpiresAt, got.ExpiresAt, "expires at")
}
