package clock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/phoneauth/phoneauth/adapters/clock"
)

func TestSystemNowIsCurrentUTC(t *testing.T) {
	before := time.Now()
	now := clock.System{}.Now()
	after := time.Now()

	assert.Equal(t, time.UTC, now.Location())
	assert.WithinRange(t, now, before, after)
}
