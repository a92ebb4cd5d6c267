package component_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Request(http.MethodGet, "/healthz", nil), http.StatusOK, `{"status": "ok"}`)
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Request(http.MethodGet, "/readyz", nil), http.StatusOK, `{"status": "ok"}`)

	// Without its migrations the database cannot serve.
	unmigrated := harness.New(t, map[string]string{"MIGRATE_ON_START": "false"})
	harness.Expect(t, unmigrated.Request(http.MethodGet, "/readyz", nil), http.StatusServiceUnavailable, `{"status": "unavailable"}`)
	harness.Expect(t, unmigrated.Request(http.MethodGet, "/healthz", nil), http.StatusOK, `{"status": "ok"}`)
}

func TestReadyzOnPostgres(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"DATABASE_URL": testdb.PostgresURL(t)})
	harness.Expect(t, h.Request(http.MethodGet, "/readyz", nil), http.StatusOK, `{"status": "ok"}`)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_GLOBAL_HOURLY_LIMIT": "1"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.Login(mobile, "correct horse")
	h.Post("/code/", map[string]any{"mobile": harness.NewMobile()})
	h.Post("/login/", map[string]any{"username": mobile, "password": "wrong horse"})
	h.AddSecrets("wrong horse")

	r := h.Request(http.MethodGet, "/metrics", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, r.Header.Get("Content-Type"), "text/plain")
	body := string(r.Body)
	for _, want := range []string{
		`phoneauth_http_requests_total{method="POST",route="/users/",status="201"} 1`,
		`phoneauth_http_requests_total{method="POST",route="/code/",status="429"} 1`,
		`phoneauth_http_request_duration_seconds_count{method="POST",route="/login/"} 2`,
		`phoneauth_codes_total{event="issued"} 1`,
		`phoneauth_codes_total{event="verified"} 1`,
		`phoneauth_logins_total{outcome="success"} 1`,
		`phoneauth_logins_total{outcome="invalid"} 1`,
		`phoneauth_limit_refusals_total{reason="global_hourly"} 1`,
		`phoneauth_password_hash_seconds_count{op="hash"} 2`,   // the timing dummy at start, the registration
		`phoneauth_password_hash_seconds_count{op="verify"} 2`, // the two logins
		`go_sql_max_open_connections{db_name="phoneauth"} 1`,
		`go_goroutines`,
	} {
		require.Contains(t, body, want)
	}
}

func TestMetricsCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"METRICS_ADDR": "off"})
	require.Equal(t, http.StatusNotFound, h.Request(http.MethodGet, "/metrics", nil).Status)
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	r := h.Request(http.MethodGet, "/healthz", nil, "X-Request-ID", "abc-123")
	require.Equal(t, "abc-123", r.Header.Get("X-Request-ID"))

	r = h.Request(http.MethodGet, "/healthz", nil)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{16}$`), r.Header.Get("X-Request-ID"))

	r = h.Request(http.MethodGet, "/healthz", nil, "X-Request-ID", "bad id\" injected=1")
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{16}$`), r.Header.Get("X-Request-ID"), "a malformed id is replaced")
}
