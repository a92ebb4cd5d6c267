package httpapi

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Why a request was stopped before it finished.
var (
	errRequestTimeout = errors.New("request deadline passed")
	errClientGone     = errors.New("client went away")
)

// statusClientClosed is what the access log and metrics show for a request whose client
// left before the answer (nginx's 499); the client never sees it.
const statusClientClosed = 499

// interrupted is a request stopped by its deadline or by its client leaving, with the
// error it stopped on.
type interrupted struct {
	cause, err error
}

func (e *interrupted) Error() string { return e.cause.Error() + ": " + e.err.Error() }
func (e *interrupted) Unwrap() error { return e.err }

// deadline runs each request under timeout and cancels it when its client goes away, so
// that no request runs unbounded and one nobody waits for stops before the work it has not
// started: a query, a limit charge, a password hash.
func deadline(timeout time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		watched, leave := context.WithCancelCause(c.UserContext())
		ctx, cancel := context.WithTimeoutCause(watched, timeout, errRequestTimeout)
		defer cancel()
		defer leave(nil)
		defer watchPeer(c.Context().Conn(), func() { leave(errClientGone) })()
		c.SetUserContext(ctx)
		err := c.Next()
		if cause := context.Cause(ctx); err != nil && (errors.Is(cause, errRequestTimeout) || errors.Is(cause, errClientGone)) {
			return &interrupted{cause: cause, err: err}
		}
		return err
	}
}
