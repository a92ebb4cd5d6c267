package sms

import (
	"context"
	"log/slog"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Console)(nil)

// Console is the development provider: instead of sending, it writes the whole message,
// verification code included, to the log at INFO so a developer can read the code. That
// is its purpose, and why it must never be configured in production.
type Console struct {
	logger *slog.Logger
}

// NewConsole returns a provider that logs messages to logger.
func NewConsole(logger *slog.Logger) *Console {
	return &Console{logger: logger}
}

// Send logs the mobile and the text. It fails only when ctx is already done, like a real
// provider would.
func (c *Console) Send(ctx context.Context, msg ports.SMS) error {
	if err := ctx.Err(); err != nil {
		return unavailable(err)
	}
	c.logger.InfoContext(ctx, "SMS (console provider, not sent)", slog.String("mobile", msg.Mobile), slog.String("text", msg.Text))
	return nil
}
