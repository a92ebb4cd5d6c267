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
func LimitStore(t *testing.T, newStore func(t *testing.T) Store) {
	newKey := func() string { return fmt.Sprintf("test:%d", rand.Int64()) }
	// update changes one counter.
	update := func(t *testing.T, s Store, key string, change func(*domain.Counter) error) error {
		return s.UpdateCounters(t.Context(), ports.CounterChange{Key: key, Change: change})
	}
	// set returns a change that sets the counter to n.
	set := func(n int) func(*domain.Counter) error {
		return func(c *domain.Counter) error { c.N = n; return nil }
	}
	// count reads the counter under key.
	count := func(t *testing.T, s Store, key string) int {
		var n int
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error { n = c.N; return nil }))
		return n
	}

	t.Run("a new key starts at the zero counter", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var seen domain.Counter
		require.NoError(t, update(t, s, newKey(), func(c *domain.Counter) error {
			seen = *c
			return nil
		}))
		assert.Zero(t, seen.N)
		assert.True(t, seen.At.Before(epoch()), "an unset time lies in the past")
	})

	t.Run("changes round-trip", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		at := epoch().Add(1234 * time.Millisecond)
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error {
			c.N, c.At = 7, at
			return nil
		}))
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error {
			assert.Equal(t, 7, c.N)
			assert.True(t, at.Equal(c.At), "got %v", c.At)
			return nil
		}))
	})

	t.Run("a failing change writes nothing and returns its error", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error { c.N = 1; return nil }))
		boom := errors.New("boom")
		err := update(t, s, key, func(c *domain.Counter) error { c.N = 99; return boom })
		require.ErrorIs(t, err, boom)
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error {
			assert.Equal(t, 1, c.N)
			return nil
		}))
	})

	t.Run("keys are independent", func(t *testing.T) {
		t.Parallel()
		s, a, b := newStore(t), newKey(), newKey()
		require.NoError(t, update(t, s, a, func(c *domain.Counter) error { c.N = 3; return nil }))
		require.NoError(t, update(t, s, b, func(c *domain.Counter) error {
			assert.Zero(t, c.N)
			return nil
		}))
	})

	t.Run("concurrent updates lose none", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				assert.NoError(t, update(t, s, key, func(c *domain.Counter) error { c.N++; return nil }))
			})
		}
		wg.Wait()
		require.NoError(t, update(t, s, key, func(c *domain.Counter) error {
			assert.Equal(t, concurrency, c.N)
			return nil
		}))
	})

	t.Run("concurrent takes never pass the limit", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		const limit = 5
		var wg sync.WaitGroup
		results := make([]error, concurrency)
		for i := range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = update(t, s, key, func(c *domain.Counter) error {
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
	})

	t.Run("a failing change stores none of the changes", func(t *testing.T) {
		t.Parallel()
		// Named in the reverse of their sorted order, so that a store applying changes in
		// key order instead fails.
		s, prefix := newStore(t), newKey()
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
		assert.Zero(t, count(t, s, first), "the change before the failure is not stored")
		assert.Zero(t, count(t, s, failing), "nor the failing change")
		assert.Zero(t, count(t, s, after), "nor the one after it")
	})

	t.Run("a failing change drops the earlier change of its key too", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		require.NoError(t, update(t, s, key, set(4)))
		boom := errors.New("boom")
		err := s.UpdateCounters(t.Context(),
			ports.CounterChange{Key: key, Change: set(1)},
			ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N = 9; return boom }})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, 4, count(t, s, key))
	})

	t.Run("a key of any bytes answers without hanging", func(t *testing.T) {
		t.Parallel()
		// Keys are digests (domain.LimitKey), but a store must still fail rather than loop
		// on a key its database stores as something else (invalid UTF-8, say).
		s := newStore(t)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- s.UpdateCounters(ctx, ports.CounterChange{Key: "test:\xff\xfe", Change: set(1)}) }()
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("UpdateCounters did not return")
		}
	})

	t.Run("a key named twice gets both changes in order", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		require.NoError(t, s.UpdateCounters(t.Context(),
			ports.CounterChange{Key: key, Change: set(5)},
			ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N *= 2; return nil }}))
		assert.Equal(t, 10, count(t, s, key))
	})

	t.Run("concurrent updates naming keys in opposite orders lose none", func(t *testing.T) {
		t.Parallel()
		s, a, b := newStore(t), newKey(), newKey()
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
		assert.Equal(t, concurrency, count(t, s, a))
		assert.Equal(t, concurrency, count(t, s, b))
	})

}
