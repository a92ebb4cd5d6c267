package security_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A request is charged only for what it got: these are the ways an attacker could spend a
// victim's limits, or every user's, without a single SMS going out.

// An attacker whose IP is over its hourly cap asks for codes to a victim's number: every
// request is refused, and none of them counts against the victim's daily cap.
func TestRefusedSendsDoNotSpendTheVictimsDailyCap(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedProxy,
			"SMS_IP_HOURLY_LIMIT": "1", "SMS_DAILY_LIMIT": "2", "SMS_RESEND_INTERVAL": "1s"})
		attacker := from("203.0.113.66")
		require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, attacker...).Status)
		victim := harness.NewMobile()
		for range 5 {
			require.Equal(t, http.StatusTooManyRequests, h.Post("/code/", map[string]any{"mobile": victim}, attacker...).Status)
		}
		for i := range 2 {
			h.Clock.Advance(time.Second)
			r := h.Post("/code/", map[string]any{"mobile": victim}, from("198.51.100.1"+string(rune('0'+i)))...)
			require.Equal(t, http.StatusCreated, r.Status, "the victim's own code %d: %s", i+1, r)
		}
	})
}

// Wrong codes for a number that has no code are answered as wrong, and do not spend the
// number's verification budget: its owner can still register.
func TestGuessesWithoutACodeDoNotSpendTheBudget(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_FAILURE_LIMIT": "3"})
		mobile := harness.NewMobile()
		for range 10 {
			harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": "123456", "password": "long enough"}),
				http.StatusBadRequest, `{"code": ["Verification code error"]}`)
		}
		code := h.RequestCode(mobile)
		r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	})
}

// Neither does a code that is dead: guesses after it expired, or after its attempts ran out,
// verify nothing and cost nothing.
func TestGuessesAtADeadCodeDoNotSpendTheBudget(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_DAILY_FAILURE_LIMIT": "3", "SMS_CODE_TTL": "1m"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	h.Clock.Advance(time.Minute)
	for range 5 {
		harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Verification code expired"]}`)
	}
	h.Clock.Advance(time.Minute)
	code = h.RequestCode(mobile)
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
}

// A vendor outage sends nothing, so it spends no quota: neither the mobile's, nor the
// client IP's, nor the global cap that protects every user. Nor does a refusal.
func TestFailedSendsAreNotCharged(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedProxy,
			"SMS_GLOBAL_HOURLY_LIMIT": "3", "SMS_IP_HOURLY_LIMIT": "3", "SMS_DAILY_LIMIT": "1"})
		client := from("203.0.113.77")
		mobile := harness.NewMobile()
		h.SMS.BeUnavailable()
		for range 5 {
			require.Equal(t, http.StatusServiceUnavailable, h.Post("/code/", map[string]any{"mobile": mobile}, client...).Status)
		}
		h.SMS.Refuse("号码格式错误")
		for range 5 {
			require.Equal(t, http.StatusBadRequest, h.Post("/code/", map[string]any{"mobile": mobile}, client...).Status)
		}
		h.SMS.Recover()
		for _, m := range []string{mobile, harness.NewMobile(), harness.NewMobile()} {
			r := h.Post("/code/", map[string]any{"mobile": m}, client...)
			require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		}
		require.Len(t, h.SMS.Outbox(), 3)
		require.Equal(t, http.StatusTooManyRequests, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("198.51.100.7")...).Status,
			"the global cap counts what was sent")
	})
}
