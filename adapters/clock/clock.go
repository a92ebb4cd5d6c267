// Package clock is the real-time implementation of ports.Clock.
package clock

import (
	"time"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.Clock = System{}

// System is the wall clock. It answers in UTC so that stored and compared times never
// mix locations.
type System struct{}

// Now returns the current time in UTC.
func (System) Now() time.Time { return time.Now().UTC() }
