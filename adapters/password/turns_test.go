package password

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

// cheap is a valid hash that costs next to nothing to verify (one PBKDF2 iteration).
var cheap = "pbkdf2_sha256$1$salt$" + djangoB64.EncodeToString(make([]byte, 32))

// hold takes n of h's turns, as n hashes running would, until the test ends.
func hold(t *testing.T, h *Argon2id, n int) {
	t.Helper()
	for range n {
		h.turns <- struct{}{}
	}
	t.Cleanup(func() {
		for range n {
			<-h.turns
		}
	})
}

func TestConcurrencyHashesRunAtOnce(t *testing.T) {
	h := NewArgon2id(Config{Concurrency: 3})
	hold(t, h, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := h.Verify(ctx, cheap, "pw")
	require.NoError(t, err, "a third hash runs beside two")

	hold(t, h, 1)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = h.Verify(ctx, cheap, "pw")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a fourth waits for a turn until its context ends")
}

func TestConcurrencyIsAtLeastOne(t *testing.T) {
	h := NewArgon2id(Config{})
	_, err := h.Verify(context.Background(), cheap, "pw")
	require.NoError(t, err)
	assert.Equal(t, 1, cap(h.turns))
}

func TestHashersDoNotShareTurns(t *testing.T) {
	busy, other := NewArgon2id(Config{Concurrency: 1}), NewArgon2id(Config{Concurrency: 1})
	hold(t, busy, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := other.Verify(ctx, cheap, "pw")
	require.NoError(t, err)
}

func TestAWaitingHashEndsWithItsContext(t *testing.T) {
	h := NewArgon2id(Config{Concurrency: 1})
	hold(t, h, 1)
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error)
	go func() {
		_, err := h.Verify(ctx, cheap, "pw")
		result <- err
	}()
	cancel()
	require.ErrorIs(t, <-result, context.Canceled)
}

func TestAnEndedContextStartsNoHash(t *testing.T) {
	h := NewArgon2id(Config{Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 20 { // a free turn and a done context are both ready: select picks at random
		_, err := h.Hash(ctx, "pw")
		require.ErrorIs(t, err, context.Canceled)
		require.Empty(t, h.turns, "the turn is given back")
	}
}

func TestAHashWaitingPastTheQueueTimeoutIsShed(t *testing.T) {
	const timeout = 100 * time.Millisecond
	var waits []time.Duration
	var shed []bool
	h := NewArgon2id(Config{Concurrency: 1, QueueTimeout: timeout, Waited: func(w time.Duration, s bool) {
		waits, shed = append(waits, w), append(shed, s)
	}})
	hold(t, h, 1)
	start := time.Now()
	_, err := h.Verify(context.Background(), cheap, "pw")
	waited := time.Since(start)
	require.ErrorIs(t, err, domain.ErrBusy)
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "1", de.Param(), "Retry-After: the timeout in whole seconds, rounded up")
	assert.GreaterOrEqual(t, waited, timeout, "not shed before the timeout")
	assert.Less(t, waited, timeout+time.Second, "shed at the timeout, not later")
	require.Len(t, waits, 1)
	assert.True(t, shed[0])
	assert.GreaterOrEqual(t, waits[0], timeout)
	_, err = h.Hash(context.Background(), "pw")
	require.ErrorIs(t, err, domain.ErrBusy, "a hash is shed as a verification is")
}

func TestAHashWaitingLessThanTheQueueTimeoutRuns(t *testing.T) {
	h := NewArgon2id(Config{Concurrency: 1, QueueTimeout: 5 * time.Second})
	h.turns <- struct{}{}
	time.AfterFunc(100*time.Millisecond, func() { <-h.turns })
	_, err := h.Verify(context.Background(), cheap, "pw")
	require.NoError(t, err, "the slot came free before the timeout")
}

func TestContextEndingBeforeTheQueueTimeoutWins(t *testing.T) {
	h := NewArgon2id(Config{Concurrency: 1, QueueTimeout: 5 * time.Second})
	hold(t, h, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.Verify(ctx, cheap, "pw")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, domain.ErrBusy)
	assert.Less(t, time.Since(start), time.Second)
}

func TestRetryAfterIsTheQueueTimeoutRoundedUp(t *testing.T) {
	for timeout, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", 2 * time.Second: "2", 2500 * time.Millisecond: "3"} {
		assert.Equal(t, want, RetryAfter(timeout), "%s", timeout)
	}
}
