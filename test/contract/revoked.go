package contract

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/ports"
)

// RevokedTokens is the contract of ports.RevokedTokens: a revoked token is revoked until
// its expiry and no longer, only that token, and revoking again, even concurrently, is
// not an error.
func RevokedTokens(t *testing.T, newStore func(t *testing.T) ports.RevokedTokens) {
	t.Run("a revoked token is revoked until its expiry", func(t *testing.T) { testRevokedUntilExpiry(t, newStore) })
	t.Run("only that token", func(t *testing.T) { testRevokedOnlyThatToken(t, newStore) })
	t.Run("revoking again is not an error", func(t *testing.T) { testRevokeAgain(t, newStore) })
}

func testRevokedUntilExpiry(t *testing.T, newStore func(t *testing.T) ports.RevokedTokens) {
	t.Parallel()
	expiresAt := epoch().Add(time.Hour)
	s := newStore(t)
	id := newTokenID()
	require.NoError(t, s.RevokeToken(t.Context(), id, expiresAt))
	for _, at := range []time.Time{epoch(), expiresAt.Add(-time.Millisecond)} {
		revoked, err := s.TokenRevoked(t.Context(), id, at)
		require.NoError(t, err)
		assert.True(t, revoked, "at %s", at)
	}
	for _, at := range []time.Time{expiresAt, expiresAt.Add(time.Hour)} {
		revoked, err := s.TokenRevoked(t.Context(), id, at)
		require.NoError(t, err)
		assert.False(t, revoked, "at %s: the token has expired anyway", at)
	}
}

func testRevokedOnlyThatToken(t *testing.T, newStore func(t *testing.T) ports.RevokedTokens) {
	t.Parallel()
	expiresAt := epoch().Add(time.Hour)
	s := newStore(t)
	require.NoError(t, s.RevokeToken(t.Context(), newTokenID(), expiresAt))
	revoked, err := s.TokenRevoked(t.Context(), newTokenID(), epoch())
	require.NoError(t, err)
	assert.False(t, revoked)
}

func testRevokeAgain(t *testing.T, newStore func(t *testing.T) ports.RevokedTokens) {
	t.Parallel()
	expiresAt := epoch().Add(time.Hour)
	s := newStore(t)
	id := newTokenID()
	require.NoError(t, s.RevokeToken(t.Context(), id, expiresAt))
	require.NoError(t, s.RevokeToken(t.Context(), id, expiresAt))
	for _, err := range race(concurrency, func(int) error { return s.RevokeToken(t.Context(), id, expiresAt) }) {
		require.NoError(t, err)
	}
	revoked, err := s.TokenRevoked(t.Context(), id, epoch())
	require.NoError(t, err)
	assert.True(t, revoked)
}

func newTokenID() string { return fmt.Sprintf("token-%d", rand.Int64()) }
