package component_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// A database that hangs mid-request answers 503 within the request deadline, and the
// service recovers by itself when the database is back.
func TestHungDatabaseAnswersWithinTheDeadline(t *testing.T) {
	t.Parallel()
	databaseURL, proxy := proxiedPostgres(t, "")
	h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "REQUEST_TIMEOUT": "1s"})
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	auth := []string{"Authorization", "JWT " + token}

	proxy.pause()
	for _, request := range []func() harness.Response{
		func() harness.Response { return h.Request(http.MethodGet, "/users/1/", nil, auth...) },
		func() harness.Response {
			return h.Post("/login/", map[string]any{"username": mobile, "password": "correct horse"})
		},
		func() harness.Response { return h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}) },
	} {
		start := time.Now()
		harness.Expect(t, request(), http.StatusServiceUnavailable, `{"detail": "Service temporarily unavailable, try again later."}`)
		require.Less(t, time.Since(start), 3*time.Second, "the answer waited for the database")
	}

	proxy.resume()
	require.Eventually(t, func() bool {
		return h.Request(http.MethodGet, "/users/1/", nil, auth...).Status == http.StatusOK
	}, 10*time.Second, 100*time.Millisecond, "the service did not recover")
	require.NotEmpty(t, h.Login(mobile, "correct horse"))
}

// A vendor slower than the request deadline: the request answers at its deadline, and the
// send quotas it took are given back.
func TestSlowVendorAnswersWithinTheDeadline(t *testing.T) {
	t.Parallel()
	var slow atomic.Bool
	slow.Store(true)
	release := make(chan struct{})
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	}))
	t.Cleanup(vendor.Close)
	t.Cleanup(func() { close(release) })
	h := harness.Start(t, map[string]string{"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": vendor.URL, "SMS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"REQUEST_TIMEOUT": "500ms", "SMS_DAILY_LIMIT": "1", "SMS_GLOBAL_HOURLY_LIMIT": "1"}, nil, harness.NewClock())
	mobile := harness.NewMobile()
	start := time.Now()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusServiceUnavailable,
		`{"detail": "Service temporarily unavailable, try again later."}`)
	require.Less(t, time.Since(start), 2*time.Second)
	require.Contains(t, h.Log(), "request deadline passed")

	// The quotas were given back: the same mobile, and the one global send, are still there.
	h.Clock.Advance(time.Minute)
	slow.Store(false)
	r := h.Post("/code/", map[string]any{"mobile": mobile})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
}

// A login whose client gives up while the database hangs stops there: when the database
// comes back it hashes nothing and charges no limit.
func TestAbandonedLoginCostsNothing(t *testing.T) {
	t.Parallel()
	databaseURL, proxy := proxiedPostgres(t, "")
	h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "1"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	addr := h.Serve()
	verifications := func() float64 { return h.Metric("phoneauth_password_hash_seconds_count", `op="verify"`) }
	before := verifications()

	proxy.pause()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	body := `{"username": "` + mobile + `", "password": "a wrong guess"}`
	_, err = io.WriteString(conn, "POST /login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // the request waits on the database
	require.NoError(t, conn.Close())
	require.Eventually(t, func() bool { return strings.Contains(h.Log(), "client went away") }, 5*time.Second, 20*time.Millisecond)
	proxy.resume()

	// Had the wrong guess been charged, one failure would make this login wait.
	require.NotEmpty(t, h.Login(mobile, "correct horse"))
	require.Equal(t, before+1, verifications(), "only the last login hashed")
	require.Regexp(t, `status=499`, h.Log(), "the access line says the client left")
}
