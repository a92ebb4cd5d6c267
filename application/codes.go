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
	err = a.takeSendQuotas(ctx, client, mobile, now)
	if err == nil {
		err = a.deliver(ctx, mobile, registered, now)
	}
	if err != nil {
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

// takeSendQuotas counts one send against the per-mobile, per-IP and global limits, in that
// order: a refused quota leaves those after it untouched. The global counter is every
// request's, so its row is locked alone, for as short a time as possible.
func (a *Accounts) takeSendQuotas(ctx context.Context, client ports.Client, mobile domain.Mobile, now time.Time) error {
	err := a.checkLimits(ctx,
		take("sms:mobile:"+mobile.String(), now, 24*time.Hour, a.cfg.Limits.MobileDaily, domain.LimitMobileDaily),
		take("sms:ip:"+client.IP, now, time.Hour, a.cfg.Limits.IPHourly, domain.LimitIPHourly))
	if err != nil {
		return err
	}
	return a.checkLimits(ctx, take("sms:global", now, time.Hour, a.cfg.Limits.GlobalHourly, domain.LimitGlobalHourly))
}

// deliver sends a new code, or, to a registered mobile under enumeration protection,
// nothing or the configured notice.
func (a *Accounts) deliver(ctx context.Context, mobile domain.Mobile, registered bool, now time.Time) error {
	switch {
	case !registered:
		return a.sendCode(ctx, mobile, now)
	case a.cfg.RegisteredTemplate != "":
		return a.deps.SMS.Send(ctx, mobile.String(), a.cfg.RegisteredTemplate)
	default:
		return nil
	}
}

func (a *Accounts) sendCode(ctx context.Context, mobile domain.Mobile, now time.Time) error {
	code, err := a.deps.Secrets.NewCode(a.cfg.CodeLength)
	if err != nil {
		return err
	}
	if err := a.deps.SMS.Send(ctx, mobile.String(), strings.ReplaceAll(a.cfg.SMSTemplate, "{code}", code)); err != nil {
		return err
	}
	vc, err := domain.NewVerifyCode(mobile, a.deps.Secrets.CodeHash(mobile.String(), code), now, a.cfg.CodeTTL, a.cfg.MaxAttempts)
	if err != nil {
		return err
	}
	// The SMS is out: the code must be saved even if the client has gone away.
	if err := a.deps.Codes.Save(context.WithoutCancel(ctx), vc); err != nil {
		return err
	}
	a.deps.Observer.Code(domain.CodeIssued)
	return nil
}
