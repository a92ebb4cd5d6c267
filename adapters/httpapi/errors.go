package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
)

// apiError is a failure of the HTTP layer itself (parsing, routing).
// With a field set it renders as a validation error of that field.
type apiError struct {
	status int
	slug   string
	param  string
	field  string
}

func (e *apiError) Error() string { return e.slug + ": " + e.param }

// challenges are the WWW-Authenticate values of 401 answers, per scheme.
const (
	challengeJWT   = `JWT realm="api"`
	challengeToken = "Token"
)

// errorHandler is the one place where errors become HTTP answers.
func errorHandler(logger *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		lang := language(c)
		method, _ := requestMethod(c)
		var fieldErrs domain.FieldErrors
		var domainErr *domain.Error
		var apiErr *apiError
		var fiberErr *fiber.Error
		var stopped *interrupted
		switch {
		case errors.As(err, &stopped):
			if errors.Is(stopped.cause, errClientGone) {
				logger.Info("client went away", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "error", stopped.err)
				return writeDetail(c, statusClientClosed, message(lang, slugClientClosed, ""))
			}
			logger.Warn("request deadline passed", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "error", stopped.err)
			return writeDetail(c, fiber.StatusServiceUnavailable, message(lang, domain.ErrStoreUnavailable.Slug(), ""))
		case errors.As(err, &fieldErrs):
			return writeFieldErrors(c, lang, fieldErrs)
		case errors.As(err, &domainErr):
			status := domainStatus(domainErr.Kind())
			if status == fiber.StatusUnauthorized {
				challenge := challengeJWT
				if domainErr.Credential() == domain.APIKey {
					challenge = challengeToken
				}
				c.Set(fiber.HeaderWWWAuthenticate, challenge)
			}
			if status == fiber.StatusTooManyRequests || errors.Is(domainErr, domain.ErrBusy) {
				c.Set(fiber.HeaderRetryAfter, domainErr.Param())
			}
			// A shed request is load, not a failing dependency: the metrics count it.
			if status == fiber.StatusServiceUnavailable && !errors.Is(domainErr, domain.ErrBusy) {
				logger.Warn("dependency unavailable", "request_id", requestID(c), "method", method, "path", c.Path(), "error", err)
			}
			return writeDetail(c, status, message(lang, domainErr.Slug(), domainErr.Param()))
		case errors.As(err, &apiErr):
			if apiErr.field != "" {
				return writeJSON(c, fiber.StatusBadRequest, orderedErrors{{apiErr.field, []string{message(lang, apiErr.slug, apiErr.param)}}})
			}
			return writeDetail(c, apiErr.status, message(lang, apiErr.slug, apiErr.param))
		case errors.As(err, &fiberErr):
			// The message is never written: for a request fasthttp could not parse, it
			// quotes the raw request head, Authorization and Cookie included.
			switch fiberErr.Code {
			case fiber.StatusNotFound:
				return writeDetail(c, fiberErr.Code, message(lang, slugNotFound, ""))
			case fiber.StatusRequestEntityTooLarge:
				return writeDetail(c, fiberErr.Code, message(lang, slugBodyTooLarge, ""))
			case fiber.StatusMethodNotAllowed:
				return writeDetail(c, fiberErr.Code, message(lang, slugMethodNotAllowed, method))
			case fiber.StatusRequestTimeout:
				return writeDetail(c, fiberErr.Code, message(lang, slugRequestTimeout, ""))
			case fiber.StatusRequestHeaderFieldsTooLarge:
				return writeDetail(c, fiberErr.Code, message(lang, slugHeadersTooLarge, ""))
			}
			if fiberErr.Code < fiber.StatusInternalServerError {
				return writeDetail(c, fiberErr.Code, message(lang, slugMalformed, ""))
			}
		}
		logger.Error("request failed", "request_id", requestID(c), "method", method, "path", c.Path(), "error", err)
		return writeDetail(c, fiber.StatusInternalServerError, message(lang, slugServerError, ""))
	}
}

func domainStatus(k domain.Kind) int {
	switch k {
	case domain.KindUnauthorized:
		return fiber.StatusUnauthorized
	case domain.KindRateLimited:
		return fiber.StatusTooManyRequests
	case domain.KindUnavailable:
		return fiber.StatusServiceUnavailable
	case domain.KindNotFound:
		return fiber.StatusNotFound
	default:
		return fiber.StatusBadRequest
	}
}

func writeFieldErrors(c *fiber.Ctx, lang string, errs domain.FieldErrors) error {
	var out orderedErrors
	for _, fe := range errs {
		text := message(lang, fe.Err.Slug(), fe.Err.Param())
		if n := len(out); n > 0 && out[n-1].field == fe.Field {
			out[n-1].messages = append(out[n-1].messages, text)
			continue
		}
		out = append(out, fieldMessages{fe.Field, []string{text}})
	}
	return writeJSON(c, fiber.StatusBadRequest, out)
}

func writeDetail(c *fiber.Ctx, status int, detail string) error {
	return writeJSON(c, status, struct {
		Detail string `json:"detail"`
	}{detail})
}

func writeJSON(c *fiber.Ctx, status int, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// marshal encodes compact JSON without escaping <, > and &, as DRF does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

type fieldMessages struct {
	field    string
	messages []string
}

// orderedErrors is a DRF validation envelope whose keys keep the request's field order.
type orderedErrors []fieldMessages

func (o orderedErrors) MarshalJSON() ([]byte, error) {
	buf := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		k, err := marshal(f.field)
		if err != nil {
			return nil, err
		}
		v, err := marshal(f.messages)
		if err != nil {
			return nil, err
		}
		buf = append(append(append(buf, k...), ':'), v...)
	}
	return append(buf, '}'), nil
}
