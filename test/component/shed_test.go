package component_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// occupyTheHasher starts a login that holds the one hash slot for seconds: the account of
// mobile gets a stored hash of 56 MiB and 64 passes (the default is 7 MiB and 5), which is
// verified in full before it is found wrong, as a planted hash with huge parameters would be. It returns
// once the login has surely taken the slot, and the test waits for it at the end.
func occupyTheHasher(t *testing.T, h *harness.Harness, databaseURL, mobile string) {
	t.Helper()
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	defer db.Close()
	res, err := db.ExecContext(t.Context(), "UPDATE users SET password_hash = replace(password_hash, 'm=7168,t=5,', 'm=57344,t=64,') WHERE mobile = ?", stored(mobile))
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// From an address of its own, so that its failure is not the probes' IP's.
		_, _ = h.Send(http.MethodPost, "/login/", map[string]any{"username": mobile, "password": "correct horse"},
			"X-Forwarded-For", "198.51.100.7")
	}()
	t.Cleanup(func() { <-done })
	time.Sleep(100 * time.Millisecond) // the lookup and the limit claim take milliseconds
}

// A login queued behind busy hashes for longer than HASH_QUEUE_TIMEOUT is shed with 503
// and Retry-After, in the contract's envelope, and is charged nothing: after three shed
// logins, with one failure free, the account and the IP still log in at once.
func TestALoginQueuedPastTheHashQueueTimeoutIsShedAndChargedNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const timeout = 300 * time.Millisecond
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL, "HASH_QUEUE_TIMEOUT": timeout.String(),
			"HASH_CONCURRENCY": "1", "LOGIN_FAILURES_BEFORE_DELAY": "1", "TRUSTED_PROXIES": "0.0.0.0/32"}, sms.NewFake(), harness.NewClock())
		mobile, slow := harness.NewMobile(), harness.NewMobile()
		h.Register(mobile, "correct horse")
		h.Register(slow, "correct horse")

		t.Run("shed", func(t *testing.T) {
			occupyTheHasher(t, h, databaseURL, slow)
			for range 3 {
				start := time.Now()
				r := h.Post("/login/", map[string]any{"username": mobile, "password": "correct horse"})
				waited := time.Since(start)
				harness.Expect(t, r, http.StatusServiceUnavailable, `{"detail": "Service busy, try again in 1 seconds."}`)
				assert.Equal(t, "1", r.Header.Get("Retry-After"))
				assert.GreaterOrEqual(t, waited, timeout, "shed after the timeout, not before")
			}
			r := h.Post("/login/", map[string]any{"username": mobile, "password": "correct horse"}, "Accept-Language", "zh-hans")
			harness.Expect(t, r, http.StatusServiceUnavailable, `{"detail": "服务繁忙，请 1 秒后重试。"}`)
		})
		assert.Equal(t, 4.0, h.Metric("phoneauth_shed_total", `reason="password_hash_queue"`))
		assert.GreaterOrEqual(t, h.Metric("phoneauth_password_hash_queue_seconds_sum", ""), 4*timeout.Seconds(), "the four shed waits")

		h.Login(mobile, "correct horse") // not throttled: the shed logins were charged nothing
		r := h.Post("/login/", map[string]any{"username": mobile, "password": "a guess"})
		harness.Expect(t, r, http.StatusBadRequest, `{"non_field_errors": ["Unable to log in with provided credentials."]}`)
	})
}
