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

// regions stands for the number plan: the region of a few numbers.
func regions(m string) string {
	return map[string]string{"13800000000": "CN", "+85291234567": "HK", "+447700900123": "GB"}[m]
}

func TestRouterChoosesTheChainOfTheRegion(t *testing.T) {
	cn1, cn2, hk, rest := sms.NewFake(), sms.NewFake(), sms.NewFake(), sms.NewFake()
	r := sms.NewRouter(regions, map[string]ports.SMSSender{
		"CN": sms.NewFailover(cn1, cn2), "HK": hk, sms.AnyRegion: rest,
	})
	for _, m := range []string{"13800000000", "+85291234567", "+447700900123", "not a number"} {
		require.NoError(t, r.Send(context.Background(), ports.SMS{Mobile: m, Text: "code " + m}))
	}
	assert.Equal(t, []ports.SMS{{Mobile: "13800000000", Text: "code 13800000000"}}, cn1.Outbox())
	assert.Empty(t, cn2.Outbox())
	assert.Equal(t, []ports.SMS{{Mobile: "+85291234567", Text: "code +85291234567"}}, hk.Outbox())
	assert.Equal(t, []ports.SMS{{Mobile: "+447700900123", Text: "code +447700900123"}, {Mobile: "not a number", Text: "code not a number"}}, rest.Outbox(),
		"the other regions, and numbers of none, take *")
}

// Inside a region's chain a provider that is down passes the same message on; a refusal
// ends it, and never reaches another region's chain.
func TestRouterFailsOverInsideTheChainOnly(t *testing.T) {
	cn1, cn2, rest := sms.NewFake(), sms.NewFake(), sms.NewFake()
	r := sms.NewRouter(regions, map[string]ports.SMSSender{"CN": sms.NewFailover(cn1, cn2), sms.AnyRegion: rest})
	cn1.BeUnavailable()
	msg := ports.SMS{Mobile: "13800000000", Text: "code 123456", Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"}
	require.NoError(t, r.Send(context.Background(), msg))
	assert.Equal(t, []ports.SMS{msg}, cn2.Outbox(), "the same message, code and all")

	cn2.Refuse("blacklisted")
	err := r.Send(context.Background(), msg)
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Equal(t, "blacklisted", paramOf(t, err))

	cn2.BeUnavailable()
	require.ErrorIs(t, r.Send(context.Background(), msg), domain.ErrSMSUnavailable)
	assert.Empty(t, rest.Outbox(), "no other chain is tried")
}

func TestRouterRefusesARegionWithoutARoute(t *testing.T) {
	cn := sms.NewFake()
	r := sms.NewRouter(regions, map[string]ports.SMSSender{"CN": cn})
	err := r.Send(context.Background(), ports.SMS{Mobile: "+447700900123", Text: "code"})
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Equal(t, sms.NoRouteMessage, paramOf(t, err))
	assert.Empty(t, cn.Outbox())
}
