package security_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// Every limit keeps its counter in the database: a restart does not reset it, and every
// replica on one Postgres sees the same one. Each row sets a limit of 1, spends it, and
// expects the next attempt refused.
func TestLimitsSurviveRestartsAndHoldAcrossReplicas(t *testing.T) {
	t.Parallel()
	mobile := harness.NewMobile()
	codeFor := func(h *harness.Harness) map[string]any {
		return map[string]any{"username": mobile, "code": "000000", "password": "long enough"}
	}
	limits := []struct {
		name    string
		env     map[string]string
		path    string
		body    func(*harness.Harness) map[string]any
		headers []string
		between time.Duration // the clock moves this much after the first attempt
	}{
		{"mobile daily", map[string]string{"SMS_DAILY_LIMIT": "1", "SMS_RESEND_INTERVAL": "1s"}, "/code/",
			func(*harness.Harness) map[string]any { return map[string]any{"mobile": mobile} }, nil, time.Second},
		{"ip hourly", map[string]string{"SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": trustedProxy}, "/code/",
			func(*harness.Harness) map[string]any { return map[string]any{"mobile": harness.NewMobile()} }, from("203.0.113.5"), 0},
		{"global hourly", map[string]string{"SMS_GLOBAL_HOURLY_LIMIT": "1"}, "/code/",
			func(*harness.Harness) map[string]any { return map[string]any{"mobile": harness.NewMobile()} }, nil, 0},
		{"code failures", map[string]string{"SMS_DAILY_FAILURE_LIMIT": "1"}, "/users/", codeFor, nil, 0},
		{"login account", map[string]string{"LOGIN_FAILURES_BEFORE_DELAY": "1", "TRUSTED_PROXIES": trustedProxy}, "/login/",
			func(*harness.Harness) map[string]any {
				return map[string]any{"username": "nobody", "password": "guess"}
			}, nil, 0},
		{"login ip", map[string]string{"LOGIN_FAILURES_BEFORE_DELAY": "1", "TRUSTED_PROXIES": trustedProxy}, "/login/",
			func(*harness.Harness) map[string]any {
				return map[string]any{"username": harness.NewMobile(), "password": "guess"}
			}, from("203.0.113.6"), 0},
	}
	databases := map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL}
	for dbName, newURL := range databases {
		for _, limit := range limits {
			t.Run(dbName+"/"+limit.name, func(t *testing.T) {
				t.Parallel()
				env := map[string]string{"DATABASE_URL": newURL(t)}
				for k, v := range limit.env {
					env[k] = v
				}
				fake, clock := sms.NewFake(), harness.NewClock()
				first := harness.Start(t, env, fake, clock)
				if limit.path == "/users/" {
					first.RequestCode(mobile)
				}
				r := first.Post(limit.path, limit.body(first), limit.headers...)
				require.Less(t, r.Status, http.StatusTooManyRequests, "the first attempt is allowed: %s", r)
				clock.Advance(limit.between)
				if dbName == "postgres" {
					replica := harness.Start(t, env, fake, clock)
					require.Equal(t, http.StatusTooManyRequests, replica.Post(limit.path, limit.body(replica), limit.headers...).Status, "another replica")
				}
				first.Stop()
				restarted := harness.Start(t, env, fake, clock)
				require.Equal(t, http.StatusTooManyRequests, restarted.Post(limit.path, limit.body(restarted), limit.headers...).Status, "after a restart")
			})
		}
	}
}
