package component_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/password"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// fill takes every hash slot of h until the test ends, as hashes running would.
func fill(t *testing.T, h *password.Argon2id) {
	t.Helper()
	var releases []func()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		release, err := h.Occupy(ctx)
		cancel()
		if err != nil {
			break
		}
		releases = append(releases, release)
	}
	require.NotEmpty(t, releases)
	t.Cleanup(func() {
		for _, r := range releases {
			r()
		}
	})
}

// A login queued behind busy hashes for longer than HASH_QUEUE_TIMEOUT is shed with 503
// and Retry-After, in the contract's envelope, and is charged nothing: after three shed
// logins, with one failure free, the account and the IP still log in at once.
func TestALoginQueuedPastTheHashQueueTimeoutIsShedAndChargedNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const timeout = 300 * time.Millisecond
		var hasher *password.Argon2id
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL, "HASH_QUEUE_TIMEOUT": timeout.String(),
			"LOGIN_FAILURES_BEFORE_DELAY": "1"}, sms.NewFake(), harness.NewClock(), fx.Populate(&hasher))
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse")

		t.Run("shed", func(t *testing.T) {
			fill(t, hasher)
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
