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

// SendCode texts a verification code to a mobile.
type SendCode struct {
	cfg      Config
	users    ports.UserRepository
	codes    ports.CodeRepository
	sms      ports.SMSSender
	secrets  ports.Secrets
	clock    ports.Clock
	limits   limiter
	observer ports.Observer
}

// NewSendCode builds the use case.
func NewSendCode(cfg Config, users ports.UserRepository, codes ports.CodeRepository, sms ports.SMSSender,
	secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore, observer ports.Observer) *SendCode {
	return &SendCode{cfg, users, codes, sms, secrets, clock, limiter{limits, observer}, observer}
}

// Handle checks the mobile in the contract's order (taken, then format, then interval),
// reserves the send slot atomically, takes the send quotas, sends, and stores the code
// only once the provider accepted it.
func (h *SendCode) Handle(ctx context.Context, cmd ports.SendCode) (string, error) {
	if err := required(cmd.Mobile); err != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: err}}
	}
	registered, err := h.users.Taken(ctx, cmd.Mobile)
	if err != nil {
		return "", err
	}
	if registered && !h.cfg.EnumerationProtection {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrUserExists}}
	}
	mobile, err := h.cfg.Mobiles.Parse(cmd.Mobile)
	if err != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrInvalidMobile}}
	}
	if err := h.cfg.Mobiles.Reachable(mobile); err != nil {
		h.observer.Refused(domain.LimitPrefix)
		return "", domain.FieldErrors{{Field: "mobile", Err: asDomainError(err)}}
	}
	now := h.clock.Now()
	if err := h.codes.Reserve(ctx, mobile.String(), now, now.Add(-h.cfg.ResendInterval)); err != nil {
		if errors.Is(err, domain.ErrResendTooSoon) {
			h.observer.Refused(domain.LimitResendInterval)
			seconds := fmt.Sprint(int(h.cfg.ResendInterval / time.Second))
			return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrResendTooSoon.WithParam(seconds)}}
		}
		return "", err
	}
	if err := h.send(ctx, cmd.Client, mobile, registered, now); err != nil {
		// Nothing was sent, so the interval must not start; the release outlives a cancelled request.
		if rerr := h.codes.Release(context.WithoutCancel(ctx), mobile.String(), now); rerr != nil {
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
func (h *SendCode) send(ctx context.Context, client ports.Client, mobile domain.Mobile, registered bool, now time.Time) error {
	quotas := []quota{
		{domain.LimitKey("sms:mobile", mobile.String()), 24 * time.Hour, h.cfg.Limits.MobileDaily, domain.LimitMobileDaily},
		{domain.LimitKey("sms:ip", client.IP), time.Hour, h.cfg.Limits.IPHourly, domain.LimitIPHourly},
		{domain.LimitKey("sms:global", ""), time.Hour, h.cfg.Limits.GlobalHourly, domain.LimitGlobalHourly},
	}
	takes := make([]limitChange, len(quotas))
	for i, q := range quotas {
		takes[i] = q.take(now)
	}
	if err := h.limits.check(ctx, takes...); err != nil {
		return err
	}
	code, err := h.deliver(ctx, mobile, registered, now)
	if err != nil {
		giveBacks := make([]ports.CounterChange, len(quotas))
		for i, q := range quotas {
			giveBacks[i] = q.giveBack(now)
		}
		return errors.Join(err, h.limits.settle(context.WithoutCancel(ctx), giveBacks...))
	}
	if code == nil {
		return nil
	}
	// The SMS is out: the code must be saved even if the client has gone away.
	if err := h.codes.Save(context.WithoutCancel(ctx), code); err != nil {
		return err
	}
	h.observer.Code(domain.CodeIssued)
	return nil
}

// deliver texts a new code and returns it to be stored, or, to a registered mobile under
// enumeration protection, texts nothing or the configured notice and returns no code.
func (h *SendCode) deliver(ctx context.Context, mobile domain.Mobile, registered bool, now time.Time) (*domain.VerifyCode, error) {
	switch {
	case registered && h.cfg.RegisteredTemplate != "":
		return nil, h.sms.Send(ctx, mobile.String(), h.cfg.RegisteredTemplate)
	case registered:
		return nil, nil
	}
	code, err := h.secrets.NewCode(h.cfg.CodeLength)
	if err != nil {
		return nil, err
	}
	if err := h.sms.Send(ctx, mobile.String(), strings.ReplaceAll(h.cfg.SMSTemplate, "{code}", code)); err != nil {
		return nil, err
	}
	return domain.NewVerifyCode(mobile, h.secrets.CodeHash(mobile.String(), code), now, h.cfg.CodeTTL, h.cfg.MaxAttempts)
}
