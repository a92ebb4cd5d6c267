package application

import (
	"context"
	"errors"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// CaptchaConfig is what the CAPTCHA check needs from configuration.
type CaptchaConfig struct {
	// FailOpen lets a request through when the provider cannot be asked, rather than
	// answering that the service is unavailable.
	FailOpen bool
}

// VerifyHuman checks the CAPTCHA token of a request before the route's command runs, so
// that a request without a good token is refused before any quota is taken, any slot
// reserved or anything counted but the refusal itself.
type VerifyHuman struct {
	cfg      CaptchaConfig
	verifier ports.HumanVerifier
	observer ports.Observer
}

// NewVerifyHuman builds the use case.
func NewVerifyHuman(cfg CaptchaConfig, verifier ports.HumanVerifier, observer ports.Observer) *VerifyHuman {
	return &VerifyHuman{cfg: cfg, verifier: verifier, observer: observer}
}

// Handle refuses a missing token ({"captcha": ["This field is required."]}) and one the
// provider refuses, reporting both to the observer; a provider that cannot be asked is
// domain.ErrCaptchaUnavailable, or, with FailOpen, a pass that says why it is unverified.
func (h *VerifyHuman) Handle(ctx context.Context, q ports.VerifyHuman) (ports.HumanCheck, error) {
	if err := required(q.Token); err != nil {
		h.observer.Refused(domain.LimitCaptcha)
		return ports.HumanCheck{}, domain.FieldErrors{{Field: "captcha", Err: err}}
	}
	err := h.verifier.Verify(ctx, q.Token, q.RemoteIP)
	switch {
	case err == nil:
		return ports.HumanCheck{}, nil
	case errors.Is(err, domain.ErrCaptchaRefused):
		h.observer.Refused(domain.LimitCaptcha)
		return ports.HumanCheck{}, domain.FieldErrors{{Field: "captcha", Err: domain.ErrCaptchaRefused}}
	case h.cfg.FailOpen && errors.Is(err, domain.ErrCaptchaUnavailable):
		return ports.HumanCheck{Unverified: err}, nil
	default:
		return ports.HumanCheck{}, err
	}
}
