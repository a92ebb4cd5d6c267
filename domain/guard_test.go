package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

func TestCountryBudgetsFallBackToStar(t *testing.T) {
	b := domain.CountryBudgets{"CN": 1000, "*": 20}
	n, ok := b.Limit("CN")
	assert.True(t, ok)
	assert.Equal(t, 1000, n)
	n, ok = b.Limit("HK")
	assert.True(t, ok)
	assert.Equal(t, 20, n)
	_, ok = domain.CountryBudgets{"CN": 1000}.Limit("HK")
	assert.False(t, ok, "without *, a region not named has no budget")
	_, ok = domain.CountryBudgets(nil).Limit("CN")
	assert.False(t, ok)
}

func TestConversionGuardTrips(t *testing.T) {
	g := domain.ConversionGuard{MinSends: 50, MinRate: 0.2, Pause: time.Hour}
	assert.False(t, g.Trips(49, 0), "too few sends to judge")
	assert.True(t, g.Trips(50, 0))
	assert.True(t, g.Trips(50, 9.9))
	assert.False(t, g.Trips(50, 10), "a share of exactly the minimum keeps the country open")
	assert.False(t, g.Trips(1000, 300))
	assert.True(t, g.Trips(1000, 199))
	off := g
	off.MinRate = 0
	assert.False(t, off.On())
	assert.False(t, off.Trips(1000, 0), "a minimum rate of 0 is the guard off")
}

func TestTallySumsTheLastHour(t *testing.T) {
	bucket := func(at string) time.Time {
		ts, err := time.Parse(time.TimeOnly, at)
		require.NoError(t, err)
		return time.Date(2026, 12, 1, ts.Hour(), ts.Minute(), ts.Second(), 0, time.UTC)
	}
	now := bucket("09:02:00") // 2 minutes into the bucket of 09:00
	var none time.Time
	assert.Equal(t, 7.0, domain.Tally(domain.Counter{N: 7, At: bucket("09:00:00")}, now, none), "the current bucket")
	assert.Equal(t, 7.0, domain.Tally(domain.Counter{N: 7, At: bucket("08:05:00")}, now, none), "eleven buckets back: wholly inside")
	// 08:00-08:05: the hour began at 08:02, so 3 of its 5 minutes are inside.
	assert.InDelta(t, 6.0, domain.Tally(domain.Counter{N: 10, At: bucket("08:00:00")}, now, none), 1e-9)
	assert.Equal(t, 0.0, domain.Tally(domain.Counter{N: 10, At: bucket("07:55:00")}, now, none), "older than the hour")
	assert.Equal(t, 0.0, domain.Tally(domain.Counter{N: 10, At: bucket("09:05:00")}, now, none), "a bucket not begun")
	assert.Equal(t, 0.0, domain.Tally(domain.Counter{N: 7, At: bucket("08:30:00")}, now, bucket("08:31:00")),
		"before the last pause began: judged afresh")
	assert.Equal(t, 7.0, domain.Tally(domain.Counter{N: 7, At: bucket("08:35:00")}, now, bucket("08:31:00")))
}

func TestGuardSlotsRingRound(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	seen := map[int]bool{}
	for i := range domain.GuardSlots {
		seen[domain.GuardSlot(t0.Add(time.Duration(i)*domain.GuardBucket))] = true
	}
	assert.Len(t, seen, domain.GuardSlots, "an hour and a bucket use every slot once")
	assert.Equal(t, domain.GuardSlot(t0), domain.GuardSlot(t0.Add(time.Duration(domain.GuardSlots)*domain.GuardBucket)))
	assert.Equal(t, domain.GuardSlot(t0), domain.GuardSlot(t0.Add(domain.GuardBucket-time.Second)))

	// A slot counted again a ring later starts over.
	var c domain.Counter
	c.Count(t0)
	c.Count(t0)
	c.Count(t0.Add(time.Duration(domain.GuardSlots) * domain.GuardBucket))
	assert.Equal(t, 1, c.N)
}

func TestPauseRunsForItsLength(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var c domain.Counter
	require.NoError(t, c.Paused(t0, time.Hour), "never paused")
	c.Pause(t0)
	err := c.Paused(t0.Add(10*time.Minute), time.Hour)
	require.True(t, errors.Is(err, domain.ErrThrottled))
	var de *domain.Error
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "3000", de.Param(), "seconds left")
	require.NoError(t, c.Paused(t0.Add(time.Hour), time.Hour), "over")
	c.Pause(t0.Add(-time.Minute)) // another replica's earlier pause, stored late
	assert.Equal(t, t0, c.At, "the later pause is kept")
}
