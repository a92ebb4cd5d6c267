package domain

import (
	"math"
	"time"
)

// CountryBudgets are hourly caps of code sends per destination region (ISO 3166 code),
// with "*" for every region not named. Empty: no country budget.
type CountryBudgets map[string]int

// AnyRegion is the key of CountryBudgets that caps every region not named.
const AnyRegion = "*"

// Limit is the hourly cap of region, and false when none applies.
func (b CountryBudgets) Limit(region string) (int, bool) {
	if n, ok := b[region]; ok {
		return n, true
	}
	n, ok := b[AnyRegion]
	return n, ok
}

// ConversionGuard pauses code sends to a country whose codes are not used: over the last
// hour, when at least MinSends codes went to it and less than MinRate of them were
// verified, sends to it stop for Pause. Real users type their codes; an SMS-pumping bot,
// paid per text that reaches its numbers, never does. MinRate 0 turns the guard off.
type ConversionGuard struct {
	MinSends int
	MinRate  float64
	Pause    time.Duration
}

// On tells whether the guard can ever pause a country.
func (g ConversionGuard) On() bool { return g.MinRate > 0 && g.MinSends > 0 && g.Pause > 0 }

// Trips tells whether sends codes sent and verified of them used call for a pause.
func (g ConversionGuard) Trips(sends, verified float64) bool {
	return g.On() && sends >= float64(g.MinSends) && verified < g.MinRate*sends
}

// The guard's sliding hour is a ring of GuardSlots counters of GuardBucket each, aligned to
// the Unix epoch (so every replica agrees on them): the current bucket, the eleven before
// it, and the one that the hour's start falls in, weighted by the share of it still inside
// the hour. Counting is exact but for that oldest bucket, whose events are assumed evenly
// spread over its five minutes: the error is at most the events of one bucket.
const (
	GuardBucket = 5 * time.Minute
	GuardSlots  = int(time.Hour/GuardBucket) + 1
)

// GuardSlot is the slot of the ring that the bucket holding now is counted in.
func GuardSlot(now time.Time) int {
	return int((now.Unix() / int64(GuardBucket/time.Second)) % int64(GuardSlots))
}

// Tally adds a slot's counter to a sliding-hour sum at now: in full for the buckets wholly
// inside the hour, in part for the oldest, not at all for older ones (a slot not written
// since the ring came round) or for buckets that began before since (the last pause: a
// country judged afresh after it).
func Tally(c Counter, now, since time.Time) float64 {
	if c.N == 0 || c.At.Before(since) {
		return 0
	}
	current := now.Truncate(GuardBucket)
	age := current.Sub(c.At)
	switch {
	case age < 0 || age >= time.Duration(GuardSlots)*GuardBucket:
		return 0
	case age < time.Duration(GuardSlots-1)*GuardBucket:
		return float64(c.N)
	}
	// The oldest bucket: the hour began inside it, elapsed into the current bucket ago.
	elapsed := now.Sub(current)
	return float64(c.N) * float64(GuardBucket-elapsed) / float64(GuardBucket)
}

// Count counts one event in the slot's bucket that holds now.
func (c *Counter) Count(now time.Time) {
	_ = c.Take(now, GuardBucket, math.MaxInt)
}

// Pause records a pause of a country's sends that began at now; a later pause already
// recorded (by another replica) is kept.
func (c *Counter) Pause(now time.Time) {
	c.N++
	if now.After(c.At) {
		c.At = now
	}
}

// Paused returns ErrThrottled, with the seconds left, while the last pause recorded, of
// length d, runs at now.
func (c Counter) Paused(now time.Time, d time.Duration) error {
	if c.N > 0 && now.Before(c.At.Add(d)) {
		return throttled(c.At.Add(d).Sub(now))
	}
	return nil
}

// CountryPause is a pause of the code sends to a country: Decided by this replica at
// Since (with the Sends and Verified of the hour before, which tripped the guard), or
// met by a send it refused, whichever replica decided it.
type CountryPause struct {
	Region          string
	Since, Until    time.Time
	Sends, Verified int
	Decided         bool
}

// Limit reasons of the country limits.
const (
	LimitCountryHourly LimitReason = "country_hourly" // SMS_COUNTRY_HOURLY_LIMITS
	LimitCountryPaused LimitReason = "country_paused" // the conversion guard
)
