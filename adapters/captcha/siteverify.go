// Package captcha verifies CAPTCHA tokens with the provider's siteverify API, which
// Cloudflare Turnstile, hCaptcha and Google reCAPTCHA share: a form POST of secret,
// response and remoteip, answered with JSON {"success": bool, "error-codes": [...]}.
package captcha

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.HumanVerifier = (*Siteverify)(nil)

// Provider names, as CAPTCHA_PROVIDER spells them.
const (
	Turnstile = "turnstile"
	HCaptcha  = "hcaptcha"
	ReCAPTCHA = "recaptcha"
)

// DefaultURL is the siteverify endpoint of a provider, "" for an unknown one.
func DefaultURL(provider string) string {
	switch provider {
	case Turnstile:
		return "https://challenges.cloudflare.com/turnstile/v0/siteverify"
	case HCaptcha:
		return "https://api.hcaptcha.com/siteverify"
	case ReCAPTCHA:
		return "https://www.google.com/recaptcha/api/siteverify"
	}
	return ""
}

const (
	// defaultTimeout bounds a verification when the configuration gives none.
	defaultTimeout = 3 * time.Second
	// maxAnswer is more than any siteverify answer needs; a larger body is not read.
	maxAnswer = 64 << 10
)

// Config configures a siteverify client.
type Config struct {
	Provider string // named in errors
	Secret   string
	// URL is the provider's siteverify endpoint (DefaultURL), or a local fake in tests.
	URL string
	// Timeout bounds each verification; zero means 3 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// Siteverify verifies tokens with one provider.
type Siteverify struct {
	provider, secret, url string
	timeout               time.Duration
	client                *http.Client
}

// New returns a verifier for cfg.
func New(cfg Config) *Siteverify {
	s := &Siteverify{provider: cfg.Provider, secret: cfg.Secret, url: cfg.URL, timeout: cfg.Timeout, client: cfg.Client}
	if s.timeout <= 0 {
		s.timeout = defaultTimeout
	}
	if s.client == nil {
		s.client = &http.Client{}
	}
	if s.provider == "" {
		s.provider = "captcha"
	}
	return s
}

// answer is the part of a siteverify answer that decides. Success is a pointer so that
// JSON without it is not read as a refusal.
type answer struct {
	Success    *bool    `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

// ourFault tells whether an error code blames the request rather than the token: a
// missing or wrong secret, a malformed request, a site key that is not the secret's, or
// the provider's own failure. The provider has then judged nothing, so such a code is its
// being unavailable, which the operator must hear of, not a refusal of every user.
func ourFault(code string) bool {
	switch code {
	case "missing-input-secret", "invalid-input-secret", "bad-request", "internal-error",
		"sitekey-secret-mismatch", "invalid-remoteip", "missing-remoteip":
		return true
	}
	return false
}

// Verify posts secret, response and remoteip (when known) as a form, which all three
// providers accept. The secret travels only in the body, never in the URL.
//
// Outcomes: a JSON answer with "success": true passes; "success": false is a refusal
// carrying the error codes, unless a code blames the request (ourFault); HTTP 5xx, an
// answer that is not such JSON, a connection error or a time-out is unavailability.
func (s *Siteverify) Verify(ctx context.Context, token, remoteIP string) error {
	form := url.Values{"secret": {s.secret}, "response": {token}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	status, body, err := s.post(ctx, form.Encode())
	if err != nil {
		return s.unavailable(err)
	}
	if status >= 500 {
		return s.unavailable(fmt.Errorf("HTTP %d", status))
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.Success == nil {
		return s.unavailable(fmt.Errorf("HTTP %d with an answer that is not siteverify JSON", status))
	}
	codes := strings.Join(a.ErrorCodes, ",")
	switch {
	case *a.Success && status/100 == 2:
		return nil
	case *a.Success:
		return s.unavailable(fmt.Errorf("HTTP %d with success", status))
	case slices.ContainsFunc(a.ErrorCodes, ourFault):
		return s.unavailable(fmt.Errorf("HTTP %d, error codes %s", status, codes))
	default:
		return fmt.Errorf("%s: %w (error codes %q)", s.provider, domain.ErrCaptchaRefused, codes)
	}
}

// post sends the form and reads the answer, within the time-out.
func (s *Siteverify) post(ctx context.Context, form string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form))
	if err != nil {
		return 0, nil, fmt.Errorf("building request: %w", redactURLError(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, redactURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, fmt.Errorf("reading answer (HTTP %d): %w", resp.StatusCode, err)
	}
	return resp.StatusCode, body, nil
}

// unavailable marks err as the provider being unavailable, naming the provider.
func (s *Siteverify) unavailable(err error) error {
	return fmt.Errorf("%s: %w: %w", s.provider, domain.ErrCaptchaUnavailable, err)
}

// redactURLError hides the user info and query of the URL in the *url.Error that
// net/http returns (it hides only a password): CAPTCHA_VERIFY_URL may carry credentials
// of a proxy, and the error ends up in the log.
func redactURLError(err error) error {
	uerr, ok := err.(*url.Error)
	if !ok {
		return err
	}
	return &url.Error{Op: uerr.Op, URL: RedactURL(uerr.URL), Err: uerr.Err}
}

// RedactURL is raw with its user info and query hidden and no fragment.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		u.RawQuery = "xxxxx"
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// Unconfigured stands for the verifier while CAPTCHA_PROVIDER is unset: no route asks for
// a CAPTCHA then, and if one ever did it would be told the provider is unavailable rather
// than let through.
type Unconfigured struct{}

var _ ports.HumanVerifier = Unconfigured{}

// Verify implements ports.HumanVerifier.
func (Unconfigured) Verify(context.Context, string, string) error {
	return fmt.Errorf("%w: CAPTCHA_PROVIDER is not set", domain.ErrCaptchaUnavailable)
}
