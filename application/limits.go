package application

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// limitChange is a change of an abuse limit's counter, and the reason reported when the
// limit refuses.
type limitChange struct {
	key    string
	reason domain.LimitReason
	change func(*domain.Counter) error
}

// quota is a fixed-window limit: at most limit events per window under key.
type quota struct {
	key    string
	window time.Duration
	limit  int
	reason domain.LimitReason
}

// take counts one event at now.
func (q quota) take(now time.Time) limitChange {
	return limitChange{q.key, q.reason, func(c *domain.Counter) error { return c.Take(now, q.window, q.limit) }}
}

// giveBack returns the event take counted at now.
func (q quota) giveBack(now time.Time) ports.CounterChange {
	return ports.CounterChange{Key: q.key, Change: func(c *domain.Counter) error { c.GiveBack(now, q.window); return nil }}
}

// admission claims a login attempt under a backoff.
func admission(key string, now time.Time, b domain.Backoff, reason domain.LimitReason) limitChange {
	return limitChange{key, reason, func(c *domain.Counter) error { return c.Admit(now, b) }}
}

// reset forgets every failure counted under key.
func reset(key string) ports.CounterChange {
	return ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.Reset(); return nil }}
}

// refund takes back one admitted attempt counted under key.
func refund(key string) ports.CounterChange {
	return ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.Refund(); return nil }}
}

// accountKey is the login limit of an account.
func accountKey(userID int64) string {
	return domain.LimitKey("login:user", strconv.FormatInt(userID, 10))
}

// limiter applies the abuse limits and reports their refusals.
type limiter struct {
	store    ports.LimitStore
	observer ports.Observer
}

// check applies changes in one update of the limit store, all or none: when a limit
// refuses, nothing is counted, and the refusal is reported to the observer.
func (l limiter) check(ctx context.Context, changes ...limitChange) error {
	var refused domain.LimitReason
	counterChanges := make([]ports.CounterChange, len(changes))
	for i, ch := range changes {
		counterChanges[i] = ports.CounterChange{Key: ch.key, Change: func(c *domain.Counter) error {
			err := ch.change(c)
			if err != nil {
				refused = ch.reason
			}
			return err
		}}
	}
	err := l.store.UpdateCounters(ctx, counterChanges...)
	if errors.Is(err, domain.ErrThrottled) {
		l.observer.Refused(refused)
	}
	return err
}

// settle applies changes that refuse nothing: resets, refunds, give-backs.
func (l limiter) settle(ctx context.Context, changes ...ports.CounterChange) error {
	return l.store.UpdateCounters(ctx, changes...)
}
