package application

import (
	"context"
	"errors"
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

// take counts one event in a fixed-window limit.
func take(key string, now time.Time, window time.Duration, limit int, reason domain.LimitReason) limitChange {
	return limitChange{key, reason, func(c *domain.Counter) error { return c.Take(now, window, limit) }}
}

// admission claims a login attempt under a backoff.
func admission(key string, now time.Time, b domain.Backoff, reason domain.LimitReason) limitChange {
	return limitChange{key, reason, func(c *domain.Counter) error { return c.Admit(now, b) }}
}

// checkLimits applies changes in order, in one update of the limit store, up to the first
// limit that refuses: the changes before it stand. The refusal is reported to the observer.
func (a *Accounts) checkLimits(ctx context.Context, changes ...limitChange) error {
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
	err := a.deps.Limits.UpdateCounters(ctx, counterChanges...)
	if errors.Is(err, domain.ErrThrottled) {
		a.deps.Observer.Refused(refused)
	}
	return err
}
