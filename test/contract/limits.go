package contract

import (
	"context"
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

// LimitStore is the contract of ports.LimitStore: counters round-trip, changes apply in
// order and all or none, and concurrent updates of a key are serialised, in whatever order
// they name their keys.
func LimitStore(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Run("a new key starts at the zero counter", func(t *testing.T) { testNewCounterIsZero(t, newStore) })
	t.Run("changes round-trip", func(t *testing.T) { testCounterRoundTrip(t, newStore) })
	t.Run("a failing change writes nothing and returns its error", func(t *testing.T) { testFailingCounterChange(t, newStore) })
	t.Run("keys are independent", func(t *testing.T) { testCounterKeysIndependent(t, newStore) })
	t.Run("concurrent updates lose none", func(t *testing.T) { testCounterUpdatesAreSerialised(t, newStore) })
	t.Run("concurrent takes never pass the limit", func(t *testing.T) { testTakeIsAtomic(t, newStore) })
	t.Run("a failing change stores none of the changes", func(t *testing.T) { testCounterChangesAllOrNone(t, newStore) })
	t.Run("a failing change drops the earlier change of its key too", func(t *testing.T) { testFailingChangeDropsItsKey(t, newStore) })
	t.Run("a key of any bytes answers without hanging", func(t *testing.T) { testCounterKeyOfAnyBytes(t, newStore) })
	t.Run("a key named twice gets both changes in order", func(t *testing.T) { testCounterKeyNamedTwice(t, newStore) })
	t.Run("concurrent updates naming keys in opposite orders lose none", func(t *testing.T) { testCounterKeysInOppositeOrders(t, newStore) })
	t.Run("a sum read over many keys holds while the update runs", func(t *testing.T) { testSumOverManyKeysIsAtomic(t, newStore) })
}

func testNewCounterIsZero(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s := newStore(t)
	var seen domain.Counter
	require.NoError(t, updateCounter(t, s, newLimitKey(), func(c *domain.Counter) error {
		seen = *c
		return nil
	}))
	assert.Zero(t, seen.N)
	assert.True(t, seen.At.Before(epoch()), "an unset time lies in the past")
}

func testCounterRoundTrip(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	at := epoch().Add(1234 * time.Millisecond)
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error {
		c.N, c.At = 7, at
		return nil
	}))
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error {
		assert.Equal(t, 7, c.N)
		assert.True(t, at.Equal(c.At), "got %v", c.At)
		return nil
	}))
}

func testFailingCounterChange(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error { c.N = 1; return nil }))
	boom := errors.New("boom")
	err := updateCounter(t, s, key, func(c *domain.Counter) error { c.N = 99; return boom })
	require.ErrorIs(t, err, boom)
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error {
		assert.Equal(t, 1, c.N)
		return nil
	}))
}

func testCounterKeysIndependent(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, a, b := newStore(t), newLimitKey(), newLimitKey()
	require.NoError(t, updateCounter(t, s, a, func(c *domain.Counter) error { c.N = 3; return nil }))
	require.NoError(t, updateCounter(t, s, b, func(c *domain.Counter) error {
		assert.Zero(t, c.N)
		return nil
	}))
}

func testCounterUpdatesAreSerialised(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			assert.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error { c.N++; return nil }))
		})
	}
	wg.Wait()
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error {
		assert.Equal(t, concurrency, c.N)
		return nil
	}))
}

func testTakeIsAtomic(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	const limit = 5
	var wg sync.WaitGroup
	results := make([]error, concurrency)
	for i := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = updateCounter(t, s, key, func(c *domain.Counter) error {
				return c.Take(epoch(), time.Hour, limit)
			})
		}()
	}
	wg.Wait()
	allowed := 0
	for _, err := range results {
		if err == nil {
			allowed++
		} else {
			require.ErrorIs(t, err, domain.ErrThrottled)
		}
	}
	assert.Equal(t, limit, allowed)
}

func testCounterChangesAllOrNone(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	// Named in the reverse of their sorted order, so that a store applying changes in
	// key order instead fails.
	s, prefix := newStore(t), newLimitKey()
	first, failing, after := prefix+":c", prefix+":b", prefix+":a"
	boom := errors.New("boom")
	ran := []string{}
	record := func(key string, n int) func(*domain.Counter) error {
		return func(c *domain.Counter) error { ran = append(ran, key); c.N = n; return nil }
	}
	err := s.UpdateCounters(t.Context(),
		ports.CounterChange{Key: first, Change: record(first, 1)},
		ports.CounterChange{Key: failing, Change: func(c *domain.Counter) error { c.N = 2; return boom }},
		ports.CounterChange{Key: after, Change: record(after, 3)})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, []string{first}, ran, "changes run in the order given, up to the failure")
	assert.Zero(t, readCounter(t, s, first), "the change before the failure is not stored")
	assert.Zero(t, readCounter(t, s, failing), "nor the failing change")
	assert.Zero(t, readCounter(t, s, after), "nor the one after it")
}

func testFailingChangeDropsItsKey(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	require.NoError(t, updateCounter(t, s, key, setCounter(4)))
	boom := errors.New("boom")
	err := s.UpdateCounters(t.Context(),
		ports.CounterChange{Key: key, Change: setCounter(1)},
		ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N = 9; return boom }})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 4, readCounter(t, s, key))
}

func testCounterKeyOfAnyBytes(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	// Keys are digests (domain.LimitKey), but a store must still fail rather than loop
	// on a key its database stores as something else (invalid UTF-8, say).
	s := newStore(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- s.UpdateCounters(ctx, ports.CounterChange{Key: "test:\xff\xfe", Change: setCounter(1)})
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("UpdateCounters did not return")
	}
}

func testCounterKeyNamedTwice(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, key := newStore(t), newLimitKey()
	require.NoError(t, s.UpdateCounters(t.Context(),
		ports.CounterChange{Key: key, Change: setCounter(5)},
		ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N *= 2; return nil }}))
	assert.Equal(t, 10, readCounter(t, s, key))
}

func testCounterKeysInOppositeOrders(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s, a, b := newStore(t), newLimitKey(), newLimitKey()
	increment := func(c *domain.Counter) error { c.N++; return nil }
	var wg sync.WaitGroup
	for i := range concurrency {
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		wg.Go(func() {
			assert.NoError(t, s.UpdateCounters(t.Context(),
				ports.CounterChange{Key: first, Change: increment},
				ports.CounterChange{Key: second, Change: increment}))
		})
	}
	wg.Wait()
	assert.Equal(t, concurrency, readCounter(t, s, a))
	assert.Equal(t, concurrency, readCounter(t, s, b))
}

// The conversion guard's pattern: each update reads a sliding window spread over many
// counters, most not yet stored, and counts one event in one of them only while the sum is
// under a limit. Concurrent updates, on any replica, never pass it together.
func testSumOverManyKeysIsAtomic(t *testing.T, newStore func(t *testing.T) ports.LimitStore) {
	t.Parallel()
	s := newStore(t)
	keys := make([]string, 13)
	for i := range keys {
		keys[i] = newLimitKey()
	}
	const limit = concurrency / 2
	var wg sync.WaitGroup
	for i := range concurrency {
		wg.Go(func() {
			var sum int
			changes := []ports.CounterChange{{Key: keys[0], Change: func(*domain.Counter) error { sum = 0; return nil }}}
			for _, key := range keys {
				changes = append(changes, ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { sum += c.N; return nil }})
			}
			changes = append(changes, ports.CounterChange{Key: keys[i%len(keys)], Change: func(c *domain.Counter) error {
				if sum >= limit {
					return domain.ErrThrottled
				}
				c.N++
				return nil
			}})
			err := s.UpdateCounters(t.Context(), changes...)
			if err != nil {
				assert.ErrorIs(t, err, domain.ErrThrottled)
			}
		})
	}
	wg.Wait()
	total := 0
	for _, key := range keys {
		total += readCounter(t, s, key)
	}
	assert.Equal(t, limit, total)
}

func newLimitKey() string { return fmt.Sprintf("test:%d", rand.Int64()) }

// updateCounter changes one counter.
func updateCounter(t *testing.T, s ports.LimitStore, key string, change func(*domain.Counter) error) error {
	return s.UpdateCounters(t.Context(), ports.CounterChange{Key: key, Change: change})
}

// setCounter returns a change that sets the counter to n.
func setCounter(n int) func(*domain.Counter) error {
	return func(c *domain.Counter) error { c.N = n; return nil }
}

// readCounter reads the counter under key.
func readCounter(t *testing.T, s ports.LimitStore, key string) int {
	var n int
	require.NoError(t, updateCounter(t, s, key, func(c *domain.Counter) error { n = c.N; return nil }))
	return n
}
