package captcha_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/captcha"
	"github.com/phoneauth/phoneauth/domain"
)

const (
	secret = "siteverify-secret-0x4AAA"
	token  = "XXXX.DUMMY.TOKEN.XXXX-from-the-widget"
)

// fakeSiteverify is a local stand-in for a provider's siteverify endpoint: it records each
// request and answers with status and body.
type fakeSiteverify struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	forms    []url.Values
	status   int
	body     string
	delay    time.Duration
}

func newFake(t *testing.T, status int, body string) *fakeSiteverify {
	f := &fakeSiteverify{status: status, body: body}
	release := make(chan struct{})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		f.mu.Lock()
		f.requests, f.forms = append(f.requests, r), append(f.forms, form)
		delay := f.delay
		f.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-release:
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
	}))
	t.Cleanup(func() { close(release); f.Close() })
	return f
}

func (f *fakeSiteverify) received() ([]*http.Request, []url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...), append([]url.Values(nil), f.forms...)
}

func verifier(url string) *captcha.Siteverify {
	return captcha.New(captcha.Config{Provider: captcha.Turnstile, Secret: secret, URL: url, Timeout: 200 * time.Millisecond})
}

// The request is the documented one: a form POST of secret, response and remoteip.
func TestSendsTheDocumentedForm(t *testing.T) {
	f := newFake(t, http.StatusOK, `{"success": true, "error-codes": [], "challenge_ts": "2026-12-01T08:00:00Z", "hostname": "shop.example"}`)
	require.NoError(t, verifier(f.URL+"/turnstile/v0/siteverify").Verify(context.Background(), token, "203.0.113.7"))

	reqs, forms := f.received()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/turnstile/v0/siteverify", reqs[0].URL.Path)
	assert.Empty(t, reqs[0].URL.RawQuery, "the secret travels in the body only")
	assert.Equal(t, "application/x-www-form-urlencoded", reqs[0].Header.Get("Content-Type"))
	assert.Equal(t, url.Values{"secret": {secret}, "response": {token}, "remoteip": {"203.0.113.7"}}, forms[0])
}

func TestOmitsAnUnknownRemoteIP(t *testing.T) {
	f := newFake(t, http.StatusOK, `{"success": true}`)
	require.NoError(t, verifier(f.URL).Verify(context.Background(), token, ""))
	_, forms := f.received()
	require.Len(t, forms, 1)
	assert.Equal(t, url.Values{"secret": {secret}, "response": {token}}, forms[0])
}

// success=false with the token's error codes is a refusal that names the codes, and
// never the token or the secret.
func TestRefusal(t *testing.T) {
	for _, body := range []string{
		`{"success": false, "error-codes": ["invalid-input-response"]}`,
		`{"success": false, "error-codes": ["timeout-or-duplicate"]}`,
		`{"success": false}`,
	} {
		for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
			f := newFake(t, status, body)
			err := verifier(f.URL).Verify(context.Background(), token, "203.0.113.7")
			require.ErrorIs(t, err, domain.ErrCaptchaRefused, "%d %s", status, body)
			assert.NotErrorIs(t, err, domain.ErrCaptchaUnavailable)
			assertNoSecrets(t, err)
		}
	}
	f := newFake(t, http.StatusOK, `{"success": false, "error-codes": ["invalid-input-response"]}`)
	assert.Contains(t, verifier(f.URL).Verify(context.Background(), token, "").Error(), "invalid-input-response")
}

// Whatever keeps the provider from judging the token is its being unavailable: it must
// not refuse every user (a wrong secret) nor let anyone through (garbage, an outage).
func TestUnavailability(t *testing.T) {
	rows := map[string]struct {
		status int
		body   string
	}{
		"wrong secret":         {http.StatusOK, `{"success": false, "error-codes": ["invalid-input-secret"]}`},
		"missing secret":       {http.StatusOK, `{"success": false, "error-codes": ["missing-input-secret", "invalid-input-response"]}`},
		"bad request":          {http.StatusBadRequest, `{"success": false, "error-codes": ["bad-request"]}`},
		"internal error":       {http.StatusOK, `{"success": false, "error-codes": ["internal-error"]}`},
		"server error":         {http.StatusInternalServerError, `{"success": false}`},
		"bad gateway as HTML":  {http.StatusBadGateway, `<html>502 Bad Gateway</html>`},
		"garbage":              {http.StatusOK, `not json at all`},
		"JSON without success": {http.StatusOK, `{"error-codes": []}`},
		"success as a string":  {http.StatusOK, `{"success": "true"}`},
		"empty body":           {http.StatusOK, ``},
		"success on a 4xx":     {http.StatusForbidden, `{"success": true}`},
	}
	for name, row := range rows {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, row.status, row.body)
			err := verifier(f.URL).Verify(context.Background(), token, "203.0.113.7")
			require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
			assert.NotErrorIs(t, err, domain.ErrCaptchaRefused)
			assertNoSecrets(t, err)
		})
	}
}

func TestSlowProviderTimesOut(t *testing.T) {
	f := newFake(t, http.StatusOK, `{"success": true}`)
	f.mu.Lock()
	f.delay = 5 * time.Second
	f.mu.Unlock()
	start := time.Now()
	err := verifier(f.URL).Verify(context.Background(), token, "")
	require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "the 200 ms time-out bounds the wait")
	assertNoSecrets(t, err)
}

func TestConnectionRefused(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	err := verifier(closed.URL).Verify(context.Background(), token, "")
	require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
	assertNoSecrets(t, err)
}

// CAPTCHA_VERIFY_URL may carry a proxy's credentials: the logged error hides them.
func TestErrorsHideURLCredentials(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	target := strings.Replace(closed.URL, "http://", "http://proxy-user:proxy-pass@", 1) + "/siteverify?key=URL-KEY"
	err := verifier(target).Verify(context.Background(), token, "")
	require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
	assert.Contains(t, err.Error(), "xxxxx@127.0.0.1")
	for _, s := range []string{"proxy-user", "proxy-pass", "URL-KEY"} {
		assert.NotContains(t, err.Error(), s)
	}
}

func TestCancelledContextAsksNothing(t *testing.T) {
	f := newFake(t, http.StatusOK, `{"success": true}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := verifier(f.URL).Verify(ctx, token, "")
	require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	reqs, _ := f.received()
	assert.Empty(t, reqs)
}

func TestDefaultURLs(t *testing.T) {
	assert.Equal(t, "https://challenges.cloudflare.com/turnstile/v0/siteverify", captcha.DefaultURL(captcha.Turnstile))
	assert.Equal(t, "https://api.hcaptcha.com/siteverify", captcha.DefaultURL(captcha.HCaptcha))
	assert.Equal(t, "https://www.google.com/recaptcha/api/siteverify", captcha.DefaultURL(captcha.ReCAPTCHA))
	assert.Empty(t, captcha.DefaultURL("friendlycaptcha"))
}

func TestUnconfiguredLetsNothingThrough(t *testing.T) {
	require.ErrorIs(t, captcha.Unconfigured{}.Verify(context.Background(), token, ""), domain.ErrCaptchaUnavailable)
}

func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	assert.NotContains(t, err.Error(), secret, "errors end up in logs")
	assert.NotContains(t, err.Error(), token, "errors end up in logs")
}
