package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// LimitKey names the counter of one kind of limit for one subject (a mobile, a client IP,
// an account; empty for a limit shared by all): the kind, then a SHA-256 digest of the
// subject. A key's size and bytes never depend on what a client sent, so no request can
// make a key the database cannot store or find again.
func LimitKey(kind, subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return kind + ":" + hex.EncodeToString(sum[:])
}

// Counter is the state of one limit, stored under a key shared by every replica:
// N events counted since At. Its methods implement the two kinds of limit; its fields are
// open because the limit store reads and writes them as a row.
type Counter struct {
	N  int
	At time.Time
}

// Take counts one event in the fixed window of the given length that contains now
// (windows are aligned to the Unix epoch, so every replica agrees on them). When limit
// events were already counted it returns ErrThrottled, with the seconds until the window ends.
func (c *Counter) Take(now time.Time, window time.Duration, limit int) error {
	start := now.Truncate(window)
	if c.At.Before(start) {
		c.N, c.At = 0, start
	}
	if c.N >= limit {
		return throttled(c.At.Add(window).Sub(now))
	}
	c.N++
	return nil
}

// GiveBack returns an event that Take counted at now, when what it paid for did not happen
// (no SMS went out). A window that has ended since keeps its count: it is over anyway.
func (c *Counter) GiveBack(now time.Time, window time.Duration) {
	if c.N > 0 && c.At.Equal(now.Truncate(window)) {
		c.N--
	}
}

// Backoff, configuration set once at start, is how long consecutive login failures must
// wait: nothing for the first Free failures, then Base doubling up to Max; after HardLimit
// failures, HardWait per attempt. Failures older than ForgetAfter (when set) no longer count.
type Backoff struct {
	Free        int
	Base, Max   time.Duration
	HardLimit   int
	HardWait    time.Duration
	ForgetAfter time.Duration
}

// Wait is the pause imposed after failures consecutive failures.
func (b Backoff) Wait(failures int) time.Duration {
	switch {
	case failures >= b.HardLimit:
		return b.HardWait
	case failures < b.Free:
		return 0
	}
	wait := b.Base
	for i := b.Free; i < failures && wait < b.Max; i++ {
		wait *= 2
	}
	return min(wait, b.Max)
}

// Admit claims a login attempt at now, counting it as a failure until Reset or Refund,
// so that concurrent attempts cannot slip past the limit together. A key that must still
// wait gets ErrThrottled and is left as it was: waiting attempts never extend the wait.
func (c *Counter) Admit(now time.Time, b Backoff) error {
	if b.ForgetAfter > 0 && !now.Before(c.At.Add(b.ForgetAfter)) {
		c.N = 0
	}
	if wait := b.Wait(c.N); wait > 0 && now.Before(c.At.Add(wait)) {
		return throttled(c.At.Add(wait).Sub(now))
	}
	c.N++
	// Replicas' clocks and concurrent requests may hand in an earlier now: the last
	// attempt's time never goes back.
	if now.After(c.At) {
		c.At = now
	}
	return nil
}

// Reset forgets every failure: the account logged in.
func (c *Counter) Reset() { c.N = 0 }

// Refund takes back one admitted attempt that succeeded.
func (c *Counter) Refund() {
	if c.N > 0 {
		c.N--
	}
}

// throttled is ErrThrottled with the wait in whole seconds, rounded up.
func throttled(wait time.Duration) error {
	seconds := int((wait + time.Second - 1) / time.Second)
	return ErrThrottled.WithParam(strconv.Itoa(max(seconds, 1)))
}

// LimitReason names the limit that refused a request: the resend interval, a quota of the
// mobile, the client IP or the whole service, the allowed prefixes, the wrong codes of a
// day, or the login limits of an account, a client IP or a device.
type LimitReason string

const (
	LimitResendInterval LimitReason = "resend_interval"
	LimitMobileDaily    LimitReason = "mobile_daily"
	LimitIPHourly       LimitReason = "ip_hourly"
	LimitGlobalHourly   LimitReason = "global_hourly"
	LimitPrefix         LimitReason = "prefix"      // SMS_ALLOWED_PREFIXES
	LimitRegion         LimitReason = "region"      // ALLOWED_REGIONS
	LimitNumberType     LimitReason = "number_type" // SMS_ALLOWED_NUMBER_TYPES
	LimitCodeFailures   LimitReason = "code_failures"
	LimitLoginAccount   LimitReason = "login_account"
	LimitLoginIP        LimitReason = "login_ip"
	LimitLoginDevice    LimitReason = "login_device"
)
