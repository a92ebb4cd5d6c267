// Package security checks each abuse limit: it is reached, the right status and body come
// back, it is counted for metrics, and it survives a restart and holds across replicas,
// since its counter lives in the database.
package security_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// trustedProxy makes the harness's peer (app.Test's 0.0.0.0) a proxy, so that a test can
// choose the client IP with X-Forwarded-For.
const trustedProxy = "0.0.0.0/32"

func from(ip string) []string { return []string{"X-Forwarded-For", ip} }

func throttled(t *testing.T, r harness.Response, seconds int) {
	t.Helper()
	harness.Expect(t, r, http.StatusTooManyRequests, `{"detail": "Request was throttled. Expected available in `+strconv.Itoa(seconds)+` seconds."}`)
	require.Equal(t, strconv.Itoa(seconds), r.Header.Get("Retry-After"))
}

// secondsToNextDay is the wait until the next UTC day, when daily windows roll over.
func secondsToNextDay(now time.Time) int {
	return int(now.Truncate(24*time.Hour).Add(24*time.Hour).Sub(now) / time.Second)
}

func TestMobileDailyLimit(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_DAILY_LIMIT": "3", "SMS_RESEND_INTERVAL": "1s"})
	mobile := harness.NewMobile()
	for range 3 {
		h.RequestCode(mobile)
		h.Clock.Advance(time.Second)
	}
	throttled(t, h.Post("/code/", map[string]any{"mobile": mobile}), secondsToNextDay(h.Clock.Now()))
	require.Len(t, h.SMS.Outbox(), 3)
	require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="mobile_daily"`))

	// Another mobile is not affected; the next day the mobile may ask again.
	h.RequestCode(harness.NewMobile())
	h.Clock.Advance(time.Duration(secondsToNextDay(h.Clock.Now())) * time.Second)
	h.RequestCode(mobile)
}

func TestIPHourlyLimit(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_IP_HOURLY_LIMIT": "2", "TRUSTED_PROXIES": trustedProxy})
	for range 2 {
		require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("203.0.113.7")...).Status)
	}
	now := h.Clock.Now()
	wait := int(now.Truncate(time.Hour).Add(time.Hour).Sub(now) / time.Second)
	throttled(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("203.0.113.7")...), wait)
	require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="ip_hourly"`))

	// Another client is not affected, and a client cannot pick its IP: the address is
	// read from the right of X-Forwarded-For, past the trusted proxy only.
	require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("198.51.100.1")...).Status)
	require.Equal(t, http.StatusTooManyRequests, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("198.51.100.99, 203.0.113.7")...).Status)
}

func TestIPLimitIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_IP_HOURLY_LIMIT": "1"})
	require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("203.0.113.1")...).Status)
	require.Equal(t, http.StatusTooManyRequests, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("203.0.113.2")...).Status)
}

func TestAllowedPrefixes(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_ALLOWED_PREFIXES": "139,150"})
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "13800000000"}), http.StatusBadRequest,
		`{"mobile": ["Text messages cannot be sent to numbers of this country or region"]}`)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "13800000000"}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
		`{"mobile": ["不支持向该国家或地区的号码发送短信"]}`)
	require.Empty(t, h.SMS.Outbox(), "nothing paid for")
	require.Equal(t, 2.0, h.Metric("phoneauth_limit_refusals_total", `reason="prefix"`))
	h.RequestCode("13900000000")
	h.RequestCode("15000000000")
}

func TestGlobalHourlyLimit(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_GLOBAL_HOURLY_LIMIT": "3", "TRUSTED_PROXIES": trustedProxy})
	for i := range 3 {
		require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("203.0.113."+strconv.Itoa(i+1))...).Status)
	}
	r := h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("198.51.100.1")...)
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="global_hourly"`))
	require.Len(t, h.SMS.Outbox(), 3)
	h.Clock.Advance(time.Hour)
	require.Equal(t, http.StatusCreated, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, from("198.51.100.1")...).Status)
}

func TestThrottledInChinese(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_GLOBAL_HOURLY_LIMIT": "1"})
	h.RequestCode(harness.NewMobile())
	now := h.Clock.Now()
	wait := int(now.Truncate(time.Hour).Add(time.Hour).Sub(now) / time.Second)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, "Accept-Language", "zh-hans"),
		http.StatusTooManyRequests, `{"detail": "请求超过了限速。预计 `+strconv.Itoa(wait)+` 秒后可用。"}`)
}
