package application

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// SendCode checks the mobile in the contract's order (taken, then format, then interval),
// reserves the send slot atomically, takes the send quotas, sends, and stores the code only
// once the provider accepted it.
func (a *Accounts) SendCode(ctx context.Context, client ports.Client, field ports.Field) (string, error) {
	raw, ferr := requiredText(field)
	if ferr != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: ferr}}
	}
	registered, err := a.deps.Users.Taken(ctx, raw)
	if err != nil {
		return "", err
	}
	if registered && !a.cfg.EnumerationProtection {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrUserExists}}
	}
	mobile, err := a.cfg.Mobiles.Parse(raw)
	if err != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrInvalidMobile}}
	}
	if err := a.cfg.Mobiles.Reachable(mobile); err != nil {
		a.deps.Observer.Refused(domain.LimitPrefix)
		return "", domain.FieldErrors{{Field: "mobile", Err: asDomainError(err)}}
	}
	now := a.deps.Clock.Now()
	if err := a.deps.Codes.Reserve(ctx, mobile.String(), now, now.Add(-a.cfg.ResendInterval)); err != nil {
		if errors.Is(err, domain.ErrResendTooSoon) {
			a.deps.Observer.Refused(domain.LimitResendInterval)
			seconds := fmt.Sprint(int(a.cfg.ResendInterval / time.Second))
			return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrResendTooSoon.WithParam(seconds)}}
		}
		return "", err
	}
	if err := a.send(ctx, client, mobile, registered, now); err != nil {
		// Nothing was sent, so the interval must not start; the release outlives a cancelled request.
		if rerr := a.deps.Codes.Release(context.WithoutCancel(ctx), mobile.String(), now); rerr != nil {
			err = errors.Join(err, rerr)
		}
		var refused *domain.Error
		if errors.As(err, &refused) && errors.Is(refused, domain.ErrSMSRefused) {
			return "", domain.FieldErrors{{Field: "mobile", Err: refused}}
		}
		return "", err
	}
	return mobile.String(), nil
}

// send takes the per-mobile, per-IP and global send quotas all together or not at all,
// delivers, and gives the quotas back when no SMS went out (the vendor refused or was
// unavailable, the request was cancelled): a request is charged only for what it got.
// A registered mobile under enumeration protection is charged like any other, so that
// its limits do not tell it apart.
func (a *Accounts) send(ctx context.Context, client ports.Client, mobile domain.Mobile, registered bool, now time.Time) error {
	quotas := []quota{
		{domain.LimitKey("sms:mobile", mobile.String()), 24 * time.Hour, a.cfg.Limits.MobileDaily, domain.LimitMobileDaily},
		{domain.LimitKey("sms:ip", client.IP), time.Hour, a.cfg.Limits.IPHourly, domain.LimitIPHourly},
		{domain.LimitKey("sms:global", ""), time.Hour, a.cfg.Limits.GlobalHourly, domain.LimitGlobalHourly},
	}
	takes := make([]limitChange, len(quotas))
	for i, q := range quotas {
		takes[i] = q.take(now)
	}
	if err := a.checkLimits(ctx, takes...); err != nil {
		return err
	}
	code, err := a.deliver(ctx, mobile, registered, now)
	if err != nil {
		giveBacks := make([]ports.CounterChange, len(quotas))
		for i, q := range quotas {
			giveBacks[i] = q.giveBack(now)
		}
		return errors.Join(err, a.deps.Limits.UpdateCounters(context.WithoutCancel(ctx), giveBacks...))
	}
	if code == nil {
		return nil
	}
	// The SMS is out: the code must be saved even if the client has gone away.
	if err := a.deps.Codes.Save(context.WithoutCancel(ctx), code); err != nil {
		return err
	}
	a.deps.Observer.Code(domain.CodeIssued)
	return nil
}

// deliver texts a new code and returns it to be stored, or, to a registered mobile under
// enumeration protection, texts nothing or the configured notice and returns no code.
func (a *Accounts) deliver(ctx context.Context, mobile domain.Mobile, registered bool, now time.Time) (*domain.VerifyCode, error) {
	switch {
	case registered && a.cfg.RegisteredTemplate != "":
		return nil, a.deps.SMS.Send(ctx, mobile.String(), a.cfg.RegisteredTemplate)
	case registered:
		return nil, nil
	}
	code, err := a.deps.Secrets.NewCode(a.cfg.CodeLength)
	if err != nil {
		return nil, err
	}
	if err := a.deps.SMS.Send(ctx, mobile.String(), strings.ReplaceAll(a.cfg.SMSTemplate, "{code}", code)); err != nil {
		return nil, err
	}
	return domain.NewVerifyCode(mobile, a.deps.Secrets.CodeHash(mobile.String(), code), now, a.cfg.CodeTTL, a.cfg.MaxAttempts)
}
