package sms

import (
	"context"
	"errors"
	"sync"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Fake)(nil)

// errFakeUnavailable is the cause a Fake gives when told to be unavailable.
var errFakeUnavailable = errors.New("fake SMS provider told to be unavailable")

// Fake records messages instead of sending them and can be told to fail, for tests.
// It is safe for concurrent use.
type Fake struct {
	mu          sync.Mutex
	outbox      []ports.SMS
	refused     bool
	refusal     string
	unavailable bool
}

// NewFake returns a Fake that accepts every message.
func NewFake() *Fake { return &Fake{} }

// Send records the message, or fails as the Fake was told to.
func (f *Fake) Send(ctx context.Context, msg ports.SMS) error {
	if err := ctx.Err(); err != nil {
		return unavailable(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.unavailable:
		return unavailable(errFakeUnavailable)
	case f.refused:
		return domain.ErrSMSRefused.WithParam(f.refusal)
	}
	f.outbox = append(f.outbox, msg)
	return nil
}

// Outbox returns a copy of the messages accepted so far, oldest first.
func (f *Fake) Outbox() []ports.SMS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ports.SMS(nil), f.outbox...)
}

// Refuse makes every following Send fail with domain.ErrSMSRefused carrying msg.
func (f *Fake) Refuse(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused, f.refusal, f.unavailable = true, msg, false
}

// BeUnavailable makes every following Send fail with domain.ErrSMSUnavailable.
func (f *Fake) BeUnavailable() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused, f.refusal, f.unavailable = false, "", true
}

// Recover makes the Fake accept messages again.
func (f *Fake) Recover() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused, f.refusal, f.unavailable = false, "", false
}
