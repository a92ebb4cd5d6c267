package sms

import (
	"context"
	"errors"
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Failover)(nil)

// Failover sends through the first provider that can be reached.
type Failover struct {
	providers []ports.SMSSender
}

// NewFailover returns a sender that tries providers in order.
func NewFailover(providers ...ports.SMSSender) *Failover {
	return &Failover{providers: append([]ports.SMSSender(nil), providers...)}
}

// Send passes the same text to each provider in turn while they are unavailable. It stops
// at the first success, and at the first refusal: a refusal is a verdict on the number or
// the text (invalid, blocked, over a per-number limit) that the next provider must not
// overrule. A time-out that did deliver may lead to a second copy from the next provider,
// but never to a second code, since the text is the same. When every provider is
// unavailable, or ctx ends, the error is domain.ErrSMSUnavailable with every cause.
func (f *Failover) Send(ctx context.Context, msg ports.SMS) error {
	var causes []error
	for _, p := range f.providers {
		err := p.Send(ctx, msg)
		if err == nil || errors.Is(err, domain.ErrSMSRefused) {
			return err
		}
		causes = append(causes, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(causes) == 0 {
		causes = append(causes, errors.New("no provider configured"))
	}
	return fmt.Errorf("failover: %w: %w", domain.ErrSMSUnavailable, errors.Join(causes...))
}
