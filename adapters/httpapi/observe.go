package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// RequestObserver is told of each request served, for request metrics.
// Calls must be cheap and safe for concurrent use.
type RequestObserver interface {
	// Request is one HTTP request: its route pattern, method, status and duration.
	Request(route, method string, status int, elapsed time.Duration)
}

type requestIDKey struct{}

// validRequestID is what an incoming X-Request-ID must look like to be kept, so that a
// client cannot write arbitrary text into the logs.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// observe gives each request an id (the client's X-Request-ID when sane), returns it,
// and after the request writes one access line and counts it for metrics. The line holds
// no body, query or header but the id: bodies carry codes and passwords, headers tokens.
func observe(logger *slog.Logger, observer RequestObserver, trusted []netip.Prefix) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		id := strings.Clone(c.Get(fiber.HeaderXRequestID))
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Locals(requestIDKey{}, id)
		c.Set(fiber.HeaderXRequestID, id)

		err := c.Next()
		if err != nil {
			// Answer now, so that the status below is the one the client gets.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		elapsed := time.Since(start)
		route := c.Route().Path
		if c.Route().Method == "USE" || route == "/" {
			route = "unmatched" // unknown paths must not become metric labels
		}
		status := c.Response().StatusCode()
		// Fiber's strings point into buffers reused by the next request: copy what outlives this one.
		method, known := requestMethod(c)
		method = strings.Clone(method)
		label := method
		if !known {
			label = unknownMethodLabel
		}
		observer.Request(route, label, status, elapsed)
		logger.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
			slog.String("request_id", id),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("ip", clientIP(c, trusted)),
		)
		return nil
	}
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
