package application

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// SendCode texts a verification code to a mobile, for one of the purposes a code serves.
type SendCode struct {
	cfg      Config
	users    ports.UserRepository
	codes    ports.CodeRepository
	sms      ports.SMSSender
	secrets  ports.Secrets
	clock    ports.Clock
	limits   limiter
	observer ports.Observer
	guard    countryGuard
	// background holds the sends finished after the answer (see Handle).
	background sync.WaitGroup
}

// NewSendCode builds the use case.
func NewSendCode(cfg Config, users ports.UserRepository, codes ports.CodeRepository, sms ports.SMSSender,
	secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore, observer ports.Observer, pauses ports.CountryPauses) *SendCode {
	return &SendCode{cfg: cfg, users: users, codes: codes, sms: sms, secrets: secrets, clock: clock,
		limits: limiter{limits, observer}, observer: observer, guard: countryGuard{cfg.Limits, limiter{limits, observer}, pauses}}
}

// backgroundSendTimeout bounds a send finished after the answer, which no request
// deadline bounds any more.
const backgroundSendTimeout = time.Minute

// delivery is what a code request sends: a code, or, to a number that must not be told
// apart from others, a stand-in code that nobody is sent (with notice, if any, texted
// instead), so that guesses against it fare exactly as guesses against a real code.
type delivery struct {
	purpose domain.Purpose
	mobile  domain.Mobile
	standIn bool
	notice  string        // the notice's text; "" for none
	kind    ports.SMSKind // the notice's kind
}

// Handle checks the purpose and the mobile (for registration in the contract's order:
// taken, then format, then interval), reserves the send slot atomically, takes the send
// quotas, sends, and stores the code only once the provider accepted it. One slot, one
// daily cap and one verification budget per mobile serve every purpose.
//
// Where the answer must not tell whether the number has an account (logging in and
// resetting a password; registration under enumeration protection), every request is
// answered once the slot and quotas are taken, before the provider is called, and the
// send finishes in the background under the same rules: a failed send releases the slot
// and gives the quotas back. The time of the answer then never depends on whether a text
// went out.
func (h *SendCode) Handle(ctx context.Context, cmd ports.SendCode) (string, error) {
	purpose, err := domain.ParsePurpose(cmd.Purpose)
	if err != nil {
		return "", domain.FieldErrors{{Field: "purpose", Err: asDomainError(err)}}
	}
	if purpose == domain.PurposeChangeMobile && cmd.Caller.User == nil {
		return "", domain.ErrNotAuthenticated
	}
	if err := required(cmd.Mobile); err != nil {
		return "", domain.FieldErrors{{Field: "mobile", Err: err}}
	}
	d, err := h.plan(ctx, purpose, cmd.Mobile)
	if err != nil {
		return "", err
	}
	if err := h.cfg.Mobiles.Reachable(d.mobile); err != nil {
		reason := domain.LimitPrefix
		if errors.Is(err, domain.ErrRegionNotAllowed) {
			reason = domain.LimitRegion
		}
		h.observer.Refused(reason)
		return "", domain.FieldErrors{{Field: "mobile", Err: asDomainError(err)}}
	}
	now := h.clock.Now()
	if err := h.codes.Reserve(ctx, d.mobile.String(), now, now.Add(-h.cfg.ResendInterval)); err != nil {
		if errors.Is(err, domain.ErrResendTooSoon) {
			h.observer.Refused(domain.LimitResendInterval)
			seconds := fmt.Sprint(int(h.cfg.ResendInterval / time.Second))
			return "", domain.FieldErrors{{Field: "mobile", Err: domain.ErrResendTooSoon.WithParam(seconds)}}
		}
		return "", err
	}
	quotas := append(h.quotas(cmd.Client, d.mobile), h.guard.quotas(d, now)...)
	// The conversion guard judges first, on what was sent before this request.
	takes, judgement := h.guard.judge(d.mobile.Region(), now)
	for _, q := range quotas {
		takes = append(takes, q.take(now))
	}
	if err := h.limits.check(ctx, takes...); err != nil {
		err = h.guard.judged(ctx, judgement, now, err)
		return "", errors.Join(err, h.release(ctx, d.mobile, now))
	}
	if purpose.HidesAccounts() || (purpose == domain.PurposeRegister && h.cfg.EnumerationProtection) {
		h.background.Add(1)
		go func() {
			defer h.background.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundSendTimeout)
			defer cancel()
			_ = h.send(ctx, d, quotas, now) // nobody waits for it; the SMS metrics count failed sends
		}()
		return d.mobile.Display(), nil
	}
	if err := h.send(ctx, d, quotas, now); err != nil {
		var refused *domain.Error
		if errors.As(err, &refused) && errors.Is(refused, domain.ErrSMSRefused) {
			return "", domain.FieldErrors{{Field: "mobile", Err: refused}}
		}
		return "", err
	}
	return d.mobile.Display(), nil
}

// Wait returns once every send finishing in the background has finished; the service
// calls it before it stops.
func (h *SendCode) Wait() { h.background.Wait() }

// plan decides what the request sends. A registration code for a registered mobile is
// refused ("User already exists"), or under enumeration protection replaced by a stand-in;
// so is a code to log in or reset a password for a number that no active account uses. A
// code to change the caller's number to one that is taken, its own included, is refused.
func (h *SendCode) plan(ctx context.Context, purpose domain.Purpose, raw string) (delivery, error) {
	d := delivery{purpose: purpose}
	if purpose == domain.PurposeRegister || purpose == domain.PurposeChangeMobile {
		taken, err := h.users.Taken(ctx, h.cfg.Mobiles.Spellings(raw)...)
		if err != nil {
			return d, err
		}
		if taken && (purpose == domain.PurposeChangeMobile || !h.cfg.EnumerationProtection) {
			return d, domain.FieldErrors{{Field: "mobile", Err: domain.ErrUserExists}}
		}
		d.standIn, d.notice, d.kind = taken, h.cfg.RegisteredTemplate, ports.NoticeRegistered
	}
	mobile, err := h.cfg.Mobiles.Parse(raw)
	if err != nil {
		if h.cfg.Mobiles.TypeRefused(raw) {
			h.observer.Refused(domain.LimitNumberType)
		}
		return d, domain.FieldErrors{{Field: "mobile", Err: domain.ErrInvalidMobile}}
	}
	d.mobile = mobile
	if purpose.HidesAccounts() {
		user, err := accountOf(ctx, h.users, mobile)
		if err != nil {
			return d, err
		}
		d.standIn = user == nil || !user.Active()
		if user == nil {
			d.notice, d.kind = h.cfg.UnknownTemplate, ports.NoticeUnknown
		}
	}
	return d, nil
}

// accountOf returns the user whose mobile is mobile, or nil. A user whose username is
// that number but whose mobile is another is not it: a code to the number proves nothing
// about that account.
func accountOf(ctx context.Context, users ports.UserRepository, mobile domain.Mobile) (*domain.User, error) {
	user, err := users.ByLogin(ctx, mobile.String())
	switch {
	case errors.Is(err, domain.ErrUserNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case user.Mobile() != mobile.String():
		return nil, nil
	}
	return user, nil
}

// quotas are the per-mobile, per-IP and global send quotas. A number that gets a stand-in
// is charged like any other, so that its limits do not tell it apart.
func (h *SendCode) quotas(client ports.Client, mobile domain.Mobile) []quota {
	return []quota{
		{domain.LimitKey("sms:mobile", mobile.String()), 24 * time.Hour, h.cfg.Limits.MobileDaily, domain.LimitMobileDaily},
		{domain.LimitKey("sms:ip", client.IP), time.Hour, h.cfg.Limits.IPHourly, domain.LimitIPHourly},
		{domain.LimitKey("sms:global", ""), time.Hour, h.cfg.Limits.GlobalHourly, domain.LimitGlobalHourly},
	}
}

// send delivers and stores the code. When no SMS went out (the vendor refused or was
// unavailable, the request was cancelled) it gives the quotas back and releases the slot,
// so that the interval does not start: a request is charged only for what it got.
func (h *SendCode) send(ctx context.Context, d delivery, quotas []quota, now time.Time) error {
	code, err := h.deliver(ctx, d, now)
	if err != nil {
		giveBacks := make([]ports.CounterChange, len(quotas))
		for i, q := range quotas {
			giveBacks[i] = q.giveBack(now)
		}
		return errors.Join(err, h.limits.settle(context.WithoutCancel(ctx), giveBacks...), h.release(ctx, d.mobile, now))
	}
	// The SMS is out: the code must be saved even if the client has gone away.
	if err := h.codes.Save(context.WithoutCancel(ctx), code); err != nil {
		return err
	}
	if d.standIn {
		h.observer.Code(domain.CodeStandIn)
	} else {
		h.observer.Code(domain.CodeIssued)
	}
	return nil
}

// release gives up the send slot reserved at now; it outlives a cancelled request.
func (h *SendCode) release(ctx context.Context, mobile domain.Mobile, now time.Time) error {
	return h.codes.Release(context.WithoutCancel(ctx), mobile.String(), now)
}

// deliver texts the code (or, for a stand-in, the notice if there is one) and returns the
// code to store.
func (h *SendCode) deliver(ctx context.Context, d delivery, now time.Time) (*domain.VerifyCode, error) {
	code, err := h.secrets.NewCode(h.cfg.CodeLength)
	if err != nil {
		return nil, err
	}
	// The provider gets the number as answers show it: national for the default region,
	// as MxShop sent it, E.164 for others.
	msg := ports.SMS{Mobile: d.mobile.Display(), Text: strings.ReplaceAll(h.cfg.SMSTemplate, "{code}", code),
		Kind: ports.CodeFor(d.purpose), Code: code}
	if h.cfg.SMSOrigin != "" {
		msg.Text += "\n\n@" + h.cfg.SMSOrigin + " #" + code
	}
	if d.standIn {
		msg = ports.SMS{Mobile: msg.Mobile, Text: d.notice, Kind: d.kind}
	}
	if msg.Text != "" {
		if err := h.sms.Send(ctx, msg); err != nil {
			return nil, err
		}
	}
	return domain.NewVerifyCode(d.mobile, h.secrets.CodeHash(d.purpose, d.mobile.String(), code), now, h.cfg.CodeTTL, h.cfg.MaxAttempts)
}
