package contract

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

// LimitStore is the contract of ports.LimitStore: counters round-trip, a failing change
// writes nothing, and concurrent updates of one key are serialised.
func LimitStore(t *testing.T, newStore func(t *testing.T) Store) {
	newKey := func() string { return fmt.Sprintf("test:%d", rand.Int64()) }

	t.Run("a new key starts at the zero counter", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var seen domain.Counter
		require.NoError(t, s.UpdateCounter(t.Context(), newKey(), func(c *domain.Counter) error {
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
		require.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error {
			c.N, c.At = 7, at
			return nil
		}))
		require.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error {
			assert.Equal(t, 7, c.N)
			assert.True(t, at.Equal(c.At), "got %v", c.At)
			return nil
		}))
	})

	t.Run("a failing change writes nothing and returns its error", func(t *testing.T) {
		t.Parallel()
		s, key := newStore(t), newKey()
		require.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error { c.N = 1; return nil }))
		boom := errors.New("boom")
		err := s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error { c.N = 99; return boom })
		require.ErrorIs(t, err, boom)
		require.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error {
			assert.Equal(t, 1, c.N)
			return nil
		}))
	})

	t.Run("keys are independent", func(t *testing.T) {
		t.Parallel()
		s, a, b := newStore(t), newKey(), newKey()
		require.NoError(t, s.UpdateCounter(t.Context(), a, func(c *domain.Counter) error { c.N = 3; return nil }))
		require.NoError(t, s.UpdateCounter(t.Context(), b, func(c *domain.Counter) error {
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
				assert.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error { c.N++; return nil }))
			})
		}
		wg.Wait()
		require.NoError(t, s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error {
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
				results[i] = s.UpdateCounter(t.Context(), key, func(c *domain.Counter) error {
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
}
