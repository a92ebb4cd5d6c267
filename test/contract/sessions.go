package contract

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// SessionRepositoryPorts are what the SessionRepository suite needs: the port,
// ports.Registrar (the only way to create the users sessions belong to), and
// ports.APITokenRepository, whose deletions (logging out ends API keys as it ends
// sessions) are checked here too.
type SessionRepositoryPorts interface {
	ports.SessionRepository
	ports.Registrar
	ports.APITokenRepository
}

// SessionRepository is the contract of ports.SessionRepository: sessions and their
// refresh chains round-trip, an exchange retires the presented token atomically, reuse
// revokes the session, and revocations hold.
func SessionRepository(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Run("a session round-trips", func(t *testing.T) { testSessionRoundTrip(t, newStore) })
	t.Run("an exchange sees the token and its session and stores the next", func(t *testing.T) { testRefresh(t, newStore) })
	t.Run("reuse revokes the session", func(t *testing.T) { testRefreshReuseRevokes(t, newStore) })
	t.Run("a failing exchange writes nothing", func(t *testing.T) { testFailingRefresh(t, newStore) })
	t.Run("an unknown token is invalid", func(t *testing.T) { testRefreshUnknown(t, newStore) })
	t.Run("concurrent exchanges of one token: one wins", func(t *testing.T) { testRefreshIsAtomic(t, newStore) })
	t.Run("revocations", func(t *testing.T) { testSessionRevocations(t, newStore) })
	t.Run("API tokens are deleted one by one or all of a user", func(t *testing.T) { testDeleteAPITokens(t, newStore) })
}

func testSessionRoundTrip(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	session, _ := startSession(t, s)
	got, user, err := s.Session(t.Context(), session.ID)
	require.NoError(t, err)
	assert.Equal(t, session.ID, got.ID)
	assert.Equal(t, session.UserID, got.UserID)
	assert.True(t, session.StartedAt.Equal(got.StartedAt))
	assert.False(t, got.Revoked)
	assert.Equal(t, session.UserID, user.ID(), "the session's user comes with it")
	_, _, err = s.Session(t.Context(), "no such session")
	assert.ErrorIs(t, err, domain.ErrSessionEnded)
}

func testRefresh(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	session, first := startSession(t, s)
	next := domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch().Add(time.Minute)}
	require.NoError(t, s.Refresh(t.Context(), first.KeyHash, func(gotSession domain.Session, got domain.RefreshToken) (domain.RefreshToken, error) {
		assert.Equal(t, session.ID, gotSession.ID)
		assert.Equal(t, session.UserID, gotSession.UserID)
		assert.Equal(t, first.KeyHash, got.KeyHash)
		assert.True(t, first.IssuedAt.Equal(got.IssuedAt))
		assert.False(t, got.Retired)
		return next, nil
	}))
	require.ErrorIs(t, s.Refresh(t.Context(), next.KeyHash, func(_ domain.Session, got domain.RefreshToken) (domain.RefreshToken, error) {
		assert.False(t, got.Retired, "the next token is usable")
		assert.True(t, next.IssuedAt.Equal(got.IssuedAt))
		return domain.RefreshToken{}, errPeek
	}), errPeek)
	err := s.Refresh(t.Context(), first.KeyHash, rotateTo(domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()}))
	require.ErrorIs(t, err, domain.ErrRefreshReused, "the first token was retired")
}

func testRefreshReuseRevokes(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	session, first := startSession(t, s)
	require.NoError(t, s.Refresh(t.Context(), first.KeyHash, rotateTo(domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()})))
	require.ErrorIs(t, s.Refresh(t.Context(), first.KeyHash, rotateTo(domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()})), domain.ErrRefreshReused)
	got, _, err := s.Session(t.Context(), session.ID)
	require.NoError(t, err)
	assert.True(t, got.Revoked)
}

func testFailingRefresh(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	session, first := startSession(t, s)
	boom := errors.New("boom")
	require.ErrorIs(t, s.Refresh(t.Context(), first.KeyHash, func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error) {
		return domain.RefreshToken{}, boom
	}), boom)
	require.NoError(t, s.Refresh(t.Context(), first.KeyHash, rotateTo(domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()})), "still usable")
}

func testRefreshUnknown(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	require.ErrorIs(t, s.Refresh(t.Context(), newKeyHash(), rotateTo(domain.RefreshToken{})), domain.ErrRefreshInvalid)
}

func testRefreshIsAtomic(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	session, first := startSession(t, s)
	var wg sync.WaitGroup
	errs := make([]error, concurrency)
	for i := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Refresh(t.Context(), first.KeyHash, rotateTo(domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()}))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, domain.ErrRefreshReused)
		}
	}
	assert.Equal(t, 1, won)
}

func testSessionRevocations(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	one, _ := startSession(t, s)
	require.NoError(t, s.RevokeSession(t.Context(), one.ID))
	got, _, err := s.Session(t.Context(), one.ID)
	require.NoError(t, err)
	assert.True(t, got.Revoked)

	two, _ := startSession(t, s)
	three := domain.Session{ID: two.ID + "-b", UserID: two.UserID, StartedAt: epoch()}
	require.NoError(t, s.StartSession(t.Context(), three, domain.RefreshToken{KeyHash: newKeyHash(), Session: three.ID, IssuedAt: epoch()}))
	require.NoError(t, s.RevokeUserSessions(t.Context(), two.UserID))
	for _, id := range []string{two.ID, three.ID} {
		got, _, err := s.Session(t.Context(), id)
		require.NoError(t, err)
		assert.True(t, got.Revoked, id)
	}
}

func testDeleteAPITokens(t *testing.T, newStore func(t *testing.T) SessionRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	user := createUser(t, s, fullRecord())
	tokens := make([][]byte, 3)
	for i := range tokens {
		tokens[i] = newKeyHash()
		require.NoError(t, s.Create(t.Context(), domain.APIToken{KeyHash: tokens[i], UserID: user.ID(), CreatedAt: epoch(), ExpiresAt: epoch().Add(time.Hour)}))
	}
	require.NoError(t, s.DeleteAPIToken(t.Context(), tokens[0]))
	_, err := s.Find(t.Context(), tokens[0])
	require.ErrorIs(t, err, domain.ErrTokenInvalid)
	_, err = s.Find(t.Context(), tokens[1])
	require.NoError(t, err)
	require.NoError(t, s.DeleteUserAPITokens(t.Context(), user.ID()))
	for _, h := range tokens[1:] {
		_, err := s.Find(t.Context(), h)
		require.ErrorIs(t, err, domain.ErrTokenInvalid)
	}
}

func newKeyHash() []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "refresh-%d", rand.Int64()))
	return h[:]
}

// startSession starts a session of a new user and returns it with its first refresh token.
func startSession(t *testing.T, s SessionRepositoryPorts) (domain.Session, domain.RefreshToken) {
	t.Helper()
	return startSessionOf(t, s, createUser(t, s, fullRecord()).ID())
}

// startSessionOf starts a session of the user with userID and returns it with its first
// refresh token.
func startSessionOf(t *testing.T, s ports.SessionRepository, userID int64) (domain.Session, domain.RefreshToken) {
	t.Helper()
	session := domain.Session{ID: fmt.Sprintf("session-%d", rand.Int64()), UserID: userID, StartedAt: epoch()}
	first := domain.RefreshToken{KeyHash: newKeyHash(), Session: session.ID, IssuedAt: epoch()}
	require.NoError(t, s.StartSession(t.Context(), session, first))
	return session, first
}

// rotateTo exchanges the presented token for next unless it is retired.
func rotateTo(next domain.RefreshToken) func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error) {
	return func(_ domain.Session, current domain.RefreshToken) (domain.RefreshToken, error) {
		if current.Retired {
			return domain.RefreshToken{}, domain.ErrRefreshReused
		}
		return next, nil
	}
}
