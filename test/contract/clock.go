package contract

import (
	"sync"
	"time"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.Clock = (*TestClock)(nil)

// TestClock is a ports.Clock that tests set and advance by hand. It is safe for
// concurrent use; the zero value reads the zero time.
type TestClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewTestClock returns a clock reading start.
func NewTestClock(start time.Time) *TestClock { return &TestClock{now: start} }

// Now returns the time the clock was set to.
func (c *TestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set makes the clock read t.
func (c *TestClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d (backward for a negative d) and returns the new time.
func (c *TestClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
