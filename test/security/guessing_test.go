package security_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// Ten thousand guesses against one mobile, at one every ten seconds (so they span more
// than a day and many resend intervals), requesting a new code whenever the old one dies.
// The right code is among the guesses, twice: without the per-mobile budget it would win.
func TestTenThousandGuessesGiveZeroSuccesses(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_DAILY_LIMIT": "1000"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	// verified counts guesses checked against a live code; answers about a dead code
	// (expired, out of attempts) check nothing and cost nothing.
	successes, verified, throttled := 0, 0, 0
	days := map[time.Time]bool{}
	for i := range 10_000 {
		guess := fmt.Sprintf("%06d", i)
		if i == 5_000 || i == 9_999 {
			guess = code // the attacker gets lucky
		}
		r := h.Post("/users/", map[string]any{"username": mobile, "code": guess, "password": "long enough"})
		switch {
		case r.Status == http.StatusCreated:
			successes++
		case r.Status == http.StatusTooManyRequests:
			throttled++
		case strings.Contains(string(r.Body), "Too many incorrect attempts") || strings.Contains(string(r.Body), "expired"):
			if c := h.Post("/code/", map[string]any{"mobile": mobile}); c.Status == http.StatusCreated {
				code = lastCode(t, h)
			}
		default:
			harness.Expect(t, r, http.StatusBadRequest, `{"code": ["Verification code error"]}`)
			verified++
			days[h.Clock.Now().Truncate(24*time.Hour)] = true
		}
		h.Clock.Advance(10 * time.Second)
	}
	require.Zero(t, successes)
	require.LessOrEqual(t, verified, 20*len(days), "at most SMS_DAILY_FAILURE_LIMIT verifications a day")
	require.Greater(t, throttled, 9_000)
	require.Equal(t, float64(throttled), h.Metric("phoneauth_limit_refusals_total", `reason="code_failures"`))
}

func lastCode(t *testing.T, h *harness.Harness) string {
	t.Helper()
	outbox := h.SMS.Outbox()
	code := harness.CodePattern.FindString(outbox[len(outbox)-1].Text)
	h.AddSecrets(code)
	return code
}

func TestCodeFailureBudgetSpansResends(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_DAILY_FAILURE_LIMIT": "3"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	for range 3 {
		harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	}
	// A fresh code buys no new guesses today, not even the right one.
	h.Clock.Advance(time.Minute)
	code = h.RequestCode(mobile)
	throttled(t, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}), secondsToNextDay(h.Clock.Now()))
}

// CONTRACT.md §5: a used code is refused.
func TestUsedCodeIsRefused(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"ENUMERATION_PROTECTION": "true"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}).Status)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
		http.StatusBadRequest, `{"code": ["Verification code error"]}`)
}

// login tries a password and returns the answer.
func login(h *harness.Harness, username, password string, headers ...string) harness.Response {
	return h.Post("/login/", map[string]any{"username": username, "password": password}, headers...)
}

func TestLoginBackoffPerAccount(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.AddSecrets("wrong horse")
	invalid := `{"non_field_errors": ["Unable to log in with provided credentials."]}`
	// Five free failures, from different IPs so that only the account counts.
	for i := range 5 {
		harness.Expect(t, login(h, mobile, "wrong horse", from(fmt.Sprintf("203.0.113.%d", i+1))...), http.StatusBadRequest, invalid)
	}
	// Then the account waits 1 s, 2 s, 4 s..., and a waiting attempt is refused even
	// with the right password, without extending the wait.
	for _, wait := range []int{1, 2, 4, 8} {
		throttled(t, login(h, mobile, "correct horse", from("198.51.100.1")...), wait)
		throttled(t, login(h, mobile, "wrong horse", from("198.51.100.2")...), wait)
		h.Clock.Advance(time.Duration(wait) * time.Second)
		harness.Expect(t, login(h, mobile, "wrong horse", from("198.51.100.3")...), http.StatusBadRequest, invalid)
	}
	require.Equal(t, 8.0, h.Metric("phoneauth_limit_refusals_total", `reason="login_account"`))

	// A success resets the account: the next failure is free again.
	h.Clock.Advance(16 * time.Second)
	h.Login(mobile, "correct horse")
	harness.Expect(t, login(h, mobile, "wrong horse", from("198.51.100.4")...), http.StatusBadRequest, invalid)
}

func TestLoginBackoffIsCappedAndNeverPermanent(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.AddSecrets("wrong horse")
	accepted := 0
	for i := 0; accepted < 100; i++ {
		r := login(h, mobile, "wrong horse", from(fmt.Sprintf("10.%d.%d.1", i/250, i%250))...)
		if r.Status == http.StatusBadRequest {
			accepted++
			continue
		}
		require.Equal(t, http.StatusTooManyRequests, r.Status, "body: %s", r.Body)
		wait, err := time.ParseDuration(r.Header.Get("Retry-After") + "s")
		require.NoError(t, err)
		require.LessOrEqual(t, wait, 15*time.Minute, "the wait doubles up to 15 minutes")
		h.Clock.Advance(wait)
	}
	// NIST SP 800-63B: after 100 consecutive failures, no more than one attempt a day.
	throttled(t, login(h, mobile, "correct horse", from("192.0.2.1")...), 24*60*60)
	h.Clock.Advance(24 * time.Hour)
	h.Login(mobile, "correct horse")
}

func TestLoginBackoffPerIP(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "3"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	// Failures against many accounts from one IP.
	for i := range 3 {
		require.Equal(t, http.StatusBadRequest, login(h, fmt.Sprintf("nobody%d", i), "guess", from("203.0.113.9")...).Status)
	}
	throttled(t, login(h, mobile, "correct horse", from("203.0.113.9")...), 1)
	require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="login_ip"`))
	// Other clients are not affected.
	h.Login(mobile, "correct horse")
}

func TestLoginBackoffOnEveryLoginRoute(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"LOGIN_FAILURES_BEFORE_DELAY": "1"})
	for _, route := range []string{"/login/", "/jwt-auth/", "/api-token-auth/"} {
		require.Equal(t, http.StatusBadRequest, h.Post(route, map[string]any{"username": "nobody", "password": "guess"}).Status)
		require.Equal(t, http.StatusTooManyRequests, h.Post(route, map[string]any{"username": "nobody", "password": "guess"}).Status, route)
		h.Clock.Advance(time.Hour)
	}
}
