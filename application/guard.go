package application

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// countryGuard applies the limits of a destination country: its hourly budget of sends
// (SMS_COUNTRY_HOURLY_LIMITS) and the conversion guard, which pauses a country whose
// codes are sent but not used. Its state is counters of the limit store, so that every
// replica sees one state and a restart forgets nothing: per region, the budget, a ring of
// domain.GuardSlots buckets of sends and one of verifications, and the last pause.
type countryGuard struct {
	limits Limits
	store  limiter
	pauses ports.CountryPauses
}

func countryKey(kind, region string) string { return domain.LimitKey("sms:country:"+kind, region) }

func slotKey(kind, region string, slot int) string {
	return domain.LimitKey("sms:country:"+kind, region+"/"+strconv.Itoa(slot))
}

// quotas are what a send to d's country takes at now, given back with the other quotas
// when no SMS goes out: the country's budget, and a send counted by the guard. A
// stand-in that texts nobody is no send for the guard (it cannot be verified, so counting
// it would let requests for numbers without accounts pause a country); a notice texted
// instead is one: it is paid for like a code, and a pumping bot would use it just as well.
func (g countryGuard) quotas(d delivery, now time.Time) []quota {
	region := d.mobile.Region()
	if region == "" {
		return nil
	}
	var qs []quota
	if limit, ok := g.limits.CountryHourly.Limit(region); ok {
		qs = append(qs, quota{countryKey("budget", region), time.Hour, limit, domain.LimitCountryHourly})
	}
	if g.limits.Conversion.On() && (!d.standIn || d.notice != "") {
		qs = append(qs, quota{slotKey("sent", region, domain.GuardSlot(now)), domain.GuardBucket, math.MaxInt, domain.LimitCountryPaused})
	}
	return qs
}

// judgement is what the guard read of a country while judging a send.
type judgement struct {
	region          string
	sends, verified float64
	pausedSince     time.Time // the last pause's start, when one refused the send
	tripped         bool
}

// errTripped marks the refusal of the send that tripped the guard: the pause is to be stored.
var errTripped = errors.New("conversion guard tripped")

// judge reads the country's last pause and its sliding hour of sends and verifications,
// before the send is counted: a running pause refuses it; a low share of verified codes
// refuses it and calls for a pause, which judged stores (the limit store keeps nothing of
// a refused update).
func (g countryGuard) judge(region string, now time.Time) ([]limitChange, *judgement) {
	guard := g.limits.Conversion
	if region == "" || !guard.On() {
		return nil, nil
	}
	j := &judgement{region: region}
	var since time.Time
	changes := []limitChange{{countryKey("pause", region), domain.LimitCountryPaused, func(c *domain.Counter) error {
		*j = judgement{region: region}
		since = c.At
		err := c.Paused(now, guard.Pause)
		if err != nil {
			j.pausedSince = c.At
		}
		return err
	}}}
	for _, kind := range []string{"sent", "verified"} {
		sum := &j.sends
		if kind == "verified" {
			sum = &j.verified
		}
		for slot := range domain.GuardSlots {
			changes = append(changes, limitChange{slotKey(kind, region, slot), domain.LimitCountryPaused, func(c *domain.Counter) error {
				*sum += domain.Tally(*c, now, since)
				return nil
			}})
		}
	}
	changes = append(changes, limitChange{countryKey("pause", region), domain.LimitCountryPaused, func(*domain.Counter) error {
		if guard.Trips(j.sends, j.verified) {
			j.tripped = true
			return errors.Join(errTripped, domain.ErrThrottled.WithParam(strconv.Itoa(int(guard.Pause/time.Second))))
		}
		return nil
	}})
	return changes, j
}

// judged follows up a refused send: it stores the pause the send tripped, and tells the
// observer of a pause decided or met.
func (g countryGuard) judged(ctx context.Context, j *judgement, now time.Time, err error) error {
	if j == nil || !errors.Is(err, domain.ErrThrottled) {
		return err
	}
	pause := g.limits.Conversion.Pause
	switch {
	case j.tripped && errors.Is(err, errTripped):
		stored := g.store.settle(context.WithoutCancel(ctx), ports.CounterChange{Key: countryKey("pause", j.region),
			Change: func(c *domain.Counter) error { c.Pause(now); return nil }})
		g.pauses.CountryPaused(domain.CountryPause{Region: j.region, Since: now, Until: now.Add(pause),
			Sends: int(math.Round(j.sends)), Verified: int(math.Round(j.verified)), Decided: true})
		return errors.Join(err, stored)
	case !j.pausedSince.IsZero():
		g.pauses.CountryPaused(domain.CountryPause{Region: j.region, Since: j.pausedSince, Until: j.pausedSince.Add(pause)})
	}
	return err
}

// converted counts a verified code of mobile's country, for the guard. A count lost to a
// failing store only makes the guard readier to pause: the verification stands.
func (c codeCheck) converted(ctx context.Context, mobile domain.Mobile) {
	region := mobile.Region()
	if region == "" || !c.cfg.Limits.Conversion.On() {
		return
	}
	now := c.clock.Now()
	_ = c.limits.settle(context.WithoutCancel(ctx), ports.CounterChange{Key: slotKey("verified", region, domain.GuardSlot(now)),
		Change: func(c *domain.Counter) error { c.Count(now); return nil }})
}
