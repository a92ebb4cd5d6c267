package application_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// twoRegions reads 11-digit numbers as Chinese and +852 numbers as Hong Kong's, as a
// numbering plan would, for the country limits.
func twoRegions(t *testing.T) domain.MobilePolicy {
	parse := func(raw string) (domain.Mobile, error) {
		switch {
		case strings.HasPrefix(raw, "+852") && len(raw) == 12:
			return domain.NewParsedMobile(raw, raw, "HK", domain.NumberMobile), nil
		case strings.HasPrefix(raw, "1") && len(raw) == 11:
			return domain.NewParsedMobile("+86"+raw, raw, "CN", domain.NumberMobile), nil
		}
		return domain.Mobile{}, domain.ErrInvalidMobile
	}
	p, err := domain.NewNumberPolicy(parse, func(s string) string { return strings.TrimPrefix(s, "+86") }, domain.NumberRules{})
	require.NoError(t, err)
	return p
}

var hkCounter, cnCounter int

func hk() string  { hkCounter++; return fmt.Sprintf("+8526%07d", hkCounter) }
func cnM() string { cnCounter++; return fmt.Sprintf("139%08d", cnCounter) }

type pauses struct{ seen []domain.CountryPause }

func (p *pauses) CountryPaused(pause domain.CountryPause) { p.seen = append(p.seen, pause) }

// guardedWorld is a world whose code sends tell their pauses to pauses.
type guardedWorld struct {
	*world
	pauses *pauses
}

func (w *guardedWorld) send(t *testing.T, mobile, purpose string) error {
	_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Client: ports.Client{IP: "203.0.113.9"}, Mobile: mobile, Purpose: purpose})
	w.sendCode.Wait()
	return err
}

func guarded(t *testing.T, change func(*application.Config)) *guardedWorld {
	var cfg application.Config
	w := newWorld(t, func(c *application.Config) {
		c.Mobiles = twoRegions(t)
		c.Limits.IPHourly, c.Limits.GlobalHourly = 1000, 1000
		c.Limits.Conversion = domain.ConversionGuard{MinSends: 5, MinRate: 0.5, Pause: 30 * time.Minute}
		if change != nil {
			change(c)
		}
		cfg = *c
	})
	g := &guardedWorld{world: w, pauses: &pauses{}}
	w.sendCode = application.NewSendCode(cfg, w.store, w.store, w.sms, w.secrets, w.clock, w.store, w.events, g.pauses)
	return g
}

func throttledFor(t *testing.T, err error) string {
	t.Helper()
	require.ErrorIs(t, err, domain.ErrThrottled)
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	return de.Param()
}

func TestCountryBudgetCapsOneCountry(t *testing.T) {
	w := guarded(t, func(c *application.Config) {
		c.Limits.CountryHourly = domain.CountryBudgets{"HK": 2, "*": 100}
		c.Limits.Conversion.MinRate = 0
	})
	w.sms.Refuse("号码格式错误")
	require.ErrorIs(t, w.send(t, hk(), ""), domain.ErrSMSRefused)
	w.sms.Recover()
	require.NoError(t, w.send(t, hk(), ""), "a send refused by the vendor gave its place back")
	require.NoError(t, w.send(t, hk(), ""))
	assert.Equal(t, "3600", throttledFor(t, w.send(t, hk(), "")), "until the hour's window ends")
	assert.Equal(t, []domain.LimitReason{domain.LimitCountryHourly}, w.events.refused)
	require.NoError(t, w.send(t, cnM(), ""), "another country still sends")
	w.clock.Advance(time.Hour)
	require.NoError(t, w.send(t, hk(), ""))
}

func TestConversionGuardPausesACountryWhoseCodesAreNotUsed(t *testing.T) {
	w := guarded(t, nil)
	for range 5 {
		require.NoError(t, w.send(t, hk(), ""))
		w.clock.Advance(time.Minute)
	}
	assert.Equal(t, "1800", throttledFor(t, w.send(t, hk(), "")), "5 sends, none verified: a pause of 30 minutes")
	require.Len(t, w.pauses.seen, 1)
	assert.Equal(t, domain.CountryPause{Region: "HK", Since: w.clock.Now(), Until: w.clock.Now().Add(30 * time.Minute),
		Sends: 5, Verified: 0, Decided: true}, w.pauses.seen[0])
	paused := w.clock.Now()

	w.clock.Advance(10 * time.Minute)
	assert.Equal(t, "1200", throttledFor(t, w.send(t, hk(), "")))
	assert.Equal(t, domain.CountryPause{Region: "HK", Since: paused, Until: paused.Add(30 * time.Minute)}, w.pauses.seen[1],
		"a pause met, not decided")
	assert.Equal(t, []domain.LimitReason{domain.LimitCountryPaused, domain.LimitCountryPaused}, w.events.refused)
	for range 5 {
		require.NoError(t, w.send(t, cnM(), ""), "another country keeps sending")
	}

	w.clock.Advance(20 * time.Minute)
	require.NoError(t, w.send(t, hk(), ""), "the pause is over, and the sends before it no longer count")
	assert.Len(t, w.pauses.seen, 2)
}

func TestVerifiedCodesKeepACountryOpen(t *testing.T) {
	w := guarded(t, nil)
	for i := range 8 {
		mobile := hk()
		code := w.code(t, mobile)
		if i%2 == 0 {
			_, err := w.register.Handle(t.Context(), ports.Register{Username: mobile, Code: code, Password: "long enough"})
			require.NoError(t, err)
		}
		w.clock.Advance(time.Minute)
	}
	require.NoError(t, w.send(t, hk(), ""), "half the codes used: open")
	assert.Empty(t, w.pauses.seen)
}

// The sliding hour forgets old sends: what was sent more than an hour (and the five
// minutes of the oldest bucket, read as spread evenly) ago does not count.
func TestConversionGuardForgetsSendsOlderThanAnHour(t *testing.T) {
	w := guarded(t, nil)
	for range 4 {
		require.NoError(t, w.send(t, hk(), ""))
	}
	w.clock.Advance(65 * time.Minute)
	for range 4 {
		require.NoError(t, w.send(t, hk(), ""))
	}
	require.NoError(t, w.send(t, hk(), ""), "4 sends in the last hour, not 8")
	assert.Empty(t, w.pauses.seen)
}

// A stand-in code texts nobody: it is no send for the guard. A notice texted instead is.
func TestStandInsAreNoSendsButNoticesAre(t *testing.T) {
	w := guarded(t, nil)
	for range 8 {
		require.NoError(t, w.send(t, hk(), "login"), "no account: a stand-in")
	}
	assert.Empty(t, w.sms.Outbox())
	require.NoError(t, w.send(t, hk(), ""))

	w = guarded(t, func(c *application.Config) { c.UnknownTemplate = "no account uses this number" })
	for range 5 {
		require.NoError(t, w.send(t, hk(), "login"))
	}
	assert.Len(t, w.sms.Outbox(), 5)
	throttledFor(t, w.send(t, hk(), ""))
}
