package httpapi

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// headerCaptchaToken carries a CAPTCHA token for a client that does not put it in the body.
const headerCaptchaToken = "X-Captcha-Token"

// maxCaptchaToken bounds a token, in characters: Turnstile's are at most 2048, and the
// others' are of the same order.
const maxCaptchaToken = 8192

// requireHuman checks the CAPTCHA token of a request, sent as "captcha" in the body (JSON,
// urlencoded or multipart) or in X-Captcha-Token, through the VerifyHuman query, and runs
// the route only when it passes. It comes before anything the route reads or counts, so a
// refused request learns nothing about its other fields and costs no quota. A pass the
// provider could not confirm (CAPTCHA_FAIL_OPEN) is logged as a warning, without the token.
func (h handlers) requireHuman(logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		body, err := decodeBody(c)
		if err != nil {
			return err
		}
		var s shape
		var token string
		f := body["captcha"]
		header := strings.TrimSpace(c.Get(headerCaptchaToken))
		switch {
		case f.state == text && strings.TrimSpace(f.value) != "":
			if err := checkText(f.value, maxCaptchaToken); err != nil {
				return domain.FieldErrors{{Field: "captcha", Err: err}}
			}
			token = strings.TrimSpace(f.value)
		case header != "":
			if err := checkText(header, maxCaptchaToken); err != nil {
				return domain.FieldErrors{{Field: "captcha", Err: err}}
			}
			token = header
		default:
			s.required(body, "captcha", nil) // says how it is missing: absent, blank, null, not a text
		}
		q := ports.VerifyHuman{Token: token}
		if ip := clientAddr(c, h.trustedProxies); ip.IsValid() && !ip.IsUnspecified() {
			q.RemoteIP = ip.String()
		}
		check, err := h.app.Queries.VerifyHuman.Handle(c.UserContext(), q)
		if err := s.merge(err, "captcha"); err != nil {
			return err
		}
		if check.Unverified != nil {
			method, _ := requestMethod(c)
			logger.Warn("CAPTCHA not verified: the provider is unavailable and CAPTCHA_FAIL_OPEN lets the request through",
				"request_id", requestID(c), "method", method, "path", c.Path(), "error", check.Unverified)
		}
		return c.Next()
	}
}

// CheckCaptchaRoutes fails on a path that app, built with those CAPTCHA routes, serves no
// POST handler on besides the CAPTCHA check: a CAPTCHA there would guard nothing, or
// answer for a route that is not.
func CheckCaptchaRoutes(app *fiber.App, paths []string) error {
	handlers := map[string]int{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodPost {
			handlers[r.Path] += len(r.Handlers) // Fiber merges consecutive routes of one path
		}
	}
	for _, p := range paths {
		if handlers[p] < 2 {
			return fmt.Errorf("%s is not a POST route of this service", p)
		}
	}
	return nil
}
