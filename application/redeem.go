package application

import (
	"context"
	"errors"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// codeCheck verifies submitted codes under the mobile's verification budget, for the use
// cases that act on the strength of a code.
type codeCheck struct {
	cfg       Config
	codes     ports.CodeRepository
	registrar ports.Registrar
	secrets   ports.Secrets
	clock     ports.Clock
	limits    limiter
	observer  ports.Observer
}

func newCodeCheck(cfg Config, codes ports.CodeRepository, registrar ports.Registrar, secrets ports.Secrets,
	clock ports.Clock, limits ports.LimitStore, observer ports.Observer) codeCheck {
	return codeCheck{cfg, codes, registrar, secrets, clock, limiter{limits, observer}, observer}
}

// admit lets one verification of mobile's code go ahead, and claims it, with the other
// limits given, in one update of the limit store. Every verification of a live code counts
// against the mobile's daily budget, across resends and purposes, so that new codes do not
// buy an attacker new guesses; guesses for a mobile without a live code cannot spend its
// owner's budget.
func (c codeCheck) admit(ctx context.Context, mobile domain.Mobile, others ...limitChange) error {
	now := c.clock.Now()
	newest, err := c.codes.Newest(ctx, mobile.String())
	if err != nil {
		return err
	}
	if err := newest.Live(now); err != nil {
		c.observeFailure(err)
		return err
	}
	return c.limits.check(ctx, append(others, c.budget(mobile).take(now))...)
}

// budget is the daily quota of code attempts of mobile.
func (c codeCheck) budget(mobile domain.Mobile) quota {
	return quota{domain.LimitKey("code:mobile", mobile.String()), 24 * time.Hour, c.cfg.Limits.CodeDaily, domain.LimitCodeFailures}
}

// giveBack returns the attempt admit took from mobile's budget at about admitted (the same
// day's window), for a request that was shed before its password was hashed.
func (c codeCheck) giveBack(ctx context.Context, mobile domain.Mobile, admitted time.Time) error {
	return c.limits.settle(context.WithoutCancel(ctx), c.budget(mobile).giveBack(admitted))
}

// verifier checks a stored code against the one submitted for purpose and, with consume,
// uses it up. A code sent for another purpose or mobile does not match.
func (c codeCheck) verifier(purpose domain.Purpose, mobile domain.Mobile, code string, consume bool) func(*domain.VerifyCode) error {
	submitted := c.secrets.CodeHash(purpose, mobile.String(), code)
	return func(vc *domain.VerifyCode) error {
		if vc == nil {
			return domain.ErrCodeMismatch
		}
		if err := vc.Verify(submitted, c.clock.Now()); err != nil {
			return err
		}
		if consume {
			vc.Consume()
		}
		return nil
	}
}

// check verifies a code for purpose without using it up, so that a wrong guess is
// counted before anything costly (a password hash) is done for a right one.
func (c codeCheck) check(ctx context.Context, purpose domain.Purpose, mobile domain.Mobile, code string) error {
	verify := c.verifier(purpose, mobile, code, false)
	_, err := c.registrar.Register(ctx, mobile.String(), func(vc *domain.VerifyCode) (*domain.User, error) {
		return nil, verify(vc)
	})
	c.observeFailure(err)
	return err
}

// redeem verifies the code for purpose and, when it is right and change accepts the user
// with userID, applies change and uses the code up, in one transaction; a refused change
// leaves the code as it was. Without a user (none has userID) the code looks wrong. The
// caller admits the verification first.
func (c codeCheck) redeem(ctx context.Context, purpose domain.Purpose, mobile domain.Mobile, code string, userID int64,
	change func(*domain.User) error) (*domain.User, error) {
	verify := c.verifier(purpose, mobile, code, false)
	user, err := c.registrar.Redeem(ctx, mobile.String(), userID, func(vc *domain.VerifyCode, u *domain.User) error {
		if err := verify(vc); err != nil {
			return err
		}
		if u == nil {
			return domain.ErrCodeMismatch
		}
		if err := change(u); err != nil {
			return err
		}
		vc.Consume()
		return nil
	})
	c.observe(ctx, mobile, err)
	return user, err
}

// observe counts the outcome of a verification of mobile's code that would have used it up.
func (c codeCheck) observe(ctx context.Context, mobile domain.Mobile, err error) {
	if err == nil {
		c.observer.Code(domain.CodeVerified)
		c.converted(ctx, mobile)
		return
	}
	c.observeFailure(err)
}

// observeFailure counts a failed verification by its reason.
func (c codeCheck) observeFailure(err error) {
	for _, e := range []struct {
		err   error
		event domain.CodeEvent
	}{
		{domain.ErrCodeMismatch, domain.CodeMismatched},
		{domain.ErrCodeExpired, domain.CodeExpired},
		{domain.ErrCodeExhausted, domain.CodeExhausted},
	} {
		if errors.Is(err, e.err) {
			c.observer.Code(e.event)
		}
	}
}

// codeFieldError answers a code error on the code field; any other error (a limit, an
// outage, a rule of the change) stays as it is.
func codeFieldError(err error) error {
	for _, codeErr := range []error{domain.ErrCodeMismatch, domain.ErrCodeExpired, domain.ErrCodeExhausted} {
		if errors.Is(err, codeErr) {
			return domain.FieldErrors{{Field: "code", Err: asDomainError(err)}}
		}
	}
	return err
}
