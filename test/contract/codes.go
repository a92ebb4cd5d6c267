package contract

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// CodeRepositoryPorts are what the CodeRepository suite needs: the port, and
// ports.Registrar, which verifies stored codes and reads them back as a registration
// sees them.
type CodeRepositoryPorts interface {
	ports.CodeRepository
	ports.Registrar
}

// CodeRepository checks ports.CodeRepository.
func CodeRepository(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Run("the first Reserve of a mobile succeeds", func(t *testing.T) { testFirstReserve(t, newStore) })
	t.Run("Reserve fails with ErrResendTooSoon while a reservation is recent", func(t *testing.T) { testReserveTooSoon(t, newStore) })
	t.Run("a reservation from before notBefore has expired", func(t *testing.T) { testReservationExpires(t, newStore) })
	t.Run("Release lets the mobile be reserved again at once", func(t *testing.T) { testRelease(t, newStore) })
	t.Run("Release of another reservation changes nothing", func(t *testing.T) { testReleaseOther(t, newStore) })
	t.Run("Save ends the reservation and the interval runs from sentAt", func(t *testing.T) { testSaveEndsReservation(t, newStore) })
	t.Run("Release after Save keeps the code and the interval", func(t *testing.T) { testReleaseAfterSave(t, newStore) })
	t.Run("Save round trips every field", func(t *testing.T) { testCodeRoundTrip(t, newStore) })
	t.Run("Save replaces the previous code", func(t *testing.T) { testSaveReplaces(t, newStore) })
	t.Run("a reservation does not hide the code sent before it", func(t *testing.T) { testReservationKeepsCode(t, newStore) })
	t.Run("Newest is nil without a sent code, a reservation alone included", func(t *testing.T) { testNewestWithoutCode(t, newStore) })
	t.Run("Newest returns the code as verifications left it", func(t *testing.T) { testNewest(t, newStore) })
	t.Run("mobiles are independent", func(t *testing.T) { testCodeMobilesIndependent(t, newStore) })
	t.Run("only one of concurrent Reserves wins", func(t *testing.T) { testReserveIsAtomic(t, newStore) })
}

func testFirstReserve(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	require.NoError(t, s.Reserve(t.Context(), randomMobile(), t0, t0.Add(-resendAfter)))
}

func testReserveTooSoon(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	now := t0.Add(10 * time.Second)
	assert.ErrorIs(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)), domain.ErrResendTooSoon)
}

func testReservationExpires(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	// A reservation made exactly at notBefore no longer counts.
	now := t0.Add(resendAfter)
	require.NoError(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)))
	// The new reservation counts in its turn.
	later := now.Add(resendAfter / 2)
	assert.ErrorIs(t, s.Reserve(t.Context(), m, later, later.Add(-resendAfter)), domain.ErrResendTooSoon)
}

func testRelease(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	require.NoError(t, s.Release(t.Context(), m, t0))
	now := t0.Add(time.Millisecond)
	assert.NoError(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)))
}

func testReleaseOther(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	require.NoError(t, s.Release(t.Context(), m, t0.Add(-resendAfter/2)))
	require.NoError(t, s.Release(t.Context(), randomMobile(), t0))
	now := t0.Add(resendAfter / 2)
	assert.ErrorIs(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)), domain.ErrResendTooSoon)
}

func testSaveEndsReservation(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	sentAt := t0.Add(resendAfter / 4) // the provider took its time
	saveCode(t, s, m, "123456", sentAt, 5)

	now := sentAt.Add(resendAfter / 2)
	assert.ErrorIs(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)), domain.ErrResendTooSoon)
	now = sentAt.Add(resendAfter)
	assert.NoError(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)))
}

func testReleaseAfterSave(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	saveCode(t, s, m, "123456", t0, 5)
	require.NoError(t, s.Release(t.Context(), m, t0))

	now := t0.Add(resendAfter / 2)
	assert.ErrorIs(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)), domain.ErrResendTooSoon)
	assert.NotNil(t, peekCode(t, s, m))
}

func testCodeRoundTrip(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "654321", t0, 7)
	got := peekCode(t, s, m)
	require.NotNil(t, got)
	assert.Equal(t, m, got.Mobile())
	assert.Equal(t, codeHash(m, "654321"), got.Hash())
	assertTime(t, t0, got.SentAt(), "sent at")
	assertTime(t, t0.Add(codeTTL), got.ExpiresAt(), "expires at")
	assert.Equal(t, 0, got.Attempts())
	assert.Equal(t, 7, got.MaxAttempts())
	assert.False(t, got.Consumed())
}

func testSaveReplaces(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "111111", t0, 5)
	_, err := s.Register(t.Context(), m, signUp(t, m, "999999", t0.Add(time.Second)))
	require.ErrorIs(t, err, domain.ErrCodeMismatch)

	later := t0.Add(2 * resendAfter)
	saveCode(t, s, m, "222222", later, 5)
	got := peekCode(t, s, m)
	require.NotNil(t, got)
	assert.Equal(t, codeHash(m, "222222"), got.Hash())
	assertTime(t, later, got.SentAt(), "sent at")
	assert.Equal(t, 0, got.Attempts(), "a new code starts with a fresh budget")
}

func testReservationKeepsCode(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	now := t0.Add(2 * resendAfter)
	require.NoError(t, s.Reserve(t.Context(), m, now, now.Add(-resendAfter)))
	got := peekCode(t, s, m)
	require.NotNil(t, got)
	assert.Equal(t, codeHash(m, "123456"), got.Hash())
}

func testNewestWithoutCode(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	got, err := s.Newest(t.Context(), m)
	require.NoError(t, err)
	assert.Nil(t, got)
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	got, err = s.Newest(t.Context(), m)
	require.NoError(t, err)
	assert.Nil(t, got)
}

func testNewest(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	_, err := s.Register(t.Context(), m, signUp(t, m, "999999", t0.Add(time.Second)))
	require.ErrorIs(t, err, domain.ErrCodeMismatch)
	got, err := s.Newest(t.Context(), m)
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, codeHash(m, "123456"), got.Hash())
	assertTime(t, t0.Add(codeTTL), got.ExpiresAt(), "expires at")
	assert.Equal(t, 1, got.Attempts())
	assert.Equal(t, 5, got.MaxAttempts())
}

func testCodeMobilesIndependent(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	a, b := randomMobile(), randomMobile()
	require.NoError(t, s.Reserve(t.Context(), a, t0, t0.Add(-resendAfter)))
	assert.NoError(t, s.Reserve(t.Context(), b, t0, t0.Add(-resendAfter)))
	saveCode(t, s, a, "123456", t0, 5)
	assert.Nil(t, peekCode(t, s, b))
}

func testReserveIsAtomic(t *testing.T, newStore func(t *testing.T) CodeRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	errs := race(concurrency, func(int) error {
		return s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter))
	})
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.ErrorIs(t, err, domain.ErrResendTooSoon)
	}
	assert.Equal(t, 1, wins)
}
