package sms_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

func TestFailoverUsesTheFirstReachableProvider(t *testing.T) {
	a, b, c := sms.NewFake(), sms.NewFake(), sms.NewFake()
	a.BeUnavailable()

	require.NoError(t, sms.NewFailover(a, b, c).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 1"}))

	assert.Empty(t, a.Outbox())
	assert.Equal(t, []ports.SMS{{Mobile: "13800000000", Text: "code 1"}}, b.Outbox())
	assert.Empty(t, c.Outbox(), "stops at the first success")
}

func TestFailoverStopsAtARefusal(t *testing.T) {
	a, b, c := sms.NewFake(), sms.NewFake(), sms.NewFake()
	a.BeUnavailable()
	b.Refuse("blacklisted")

	err := sms.NewFailover(a, b, c).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 1"})
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Equal(t, "blacklisted", paramOf(t, err))
	assert.Empty(t, c.Outbox(), "never tries on after a refusal")
}

func TestFailoverAllUnavailable(t *testing.T) {
	a, b := sms.NewFake(), sms.NewFake()
	a.BeUnavailable()
	b.BeUnavailable()

	err := sms.NewFailover(a, b).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 1"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assert.NotErrorIs(t, err, domain.ErrSMSRefused)

	require.ErrorIs(t, sms.NewFailover().Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 1"}), domain.ErrSMSUnavailable, "no providers")
}

func TestFailoverStopsWhenTheContextEnds(t *testing.T) {
	a := sms.NewFake()
	b := &countingSender{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := sms.NewFailover(a, b).Send(ctx, ports.SMS{Mobile: "13800000000", Text: "code 1"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, a.Outbox())
	assert.Zero(t, b.calls, "no point asking the next provider once the caller has gone")
}

// countingSender counts its calls and accepts every message.
type countingSender struct{ calls int }

func (c *countingSender) Send(context.Context, ports.SMS) error {
	c.calls++
	return nil
}
