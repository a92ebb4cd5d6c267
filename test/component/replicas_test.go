package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// Two replicas of one deployment: two fx apps on one Postgres schema, sharing the SMS
// provider and the clock. The rules that protect users must hold across them.
func TestReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	// The per-mobile daily budget of verifications (the security suite tests it) is raised
	// here so that this test sees the per-code attempt budget alone.
	env := map[string]string{"DATABASE_URL": testdb.PostgresURL(t), "SMS_DAILY_FAILURE_LIMIT": "1000"}
	fake, clock := sms.NewFake(), harness.NewClock()
	replicas := []*harness.Harness{harness.Start(t, env, fake, clock), harness.Start(t, env, fake, clock)}

	// burst sends n requests at once, alternating replicas, and returns the answers.
	burst := func(t *testing.T, n int, path string, body map[string]any) []harness.Response {
		var wg sync.WaitGroup
		answers := make([]harness.Response, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i], errs[i] = replicas[i%2].Send(http.MethodPost, path, body)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		return answers
	}
	count := func(answers []harness.Response, status int, body string) int {
		n := 0
		for _, a := range answers {
			if a.Status == status && (body == "" || string(a.Body) == body) {
				n++
			}
		}
		return n
	}

	t.Run("20 concurrent code requests send one SMS", func(t *testing.T) {
		mobile := harness.NewMobile()
		answers := burst(t, 20, "/code/", map[string]any{"mobile": mobile})
		require.Equal(t, 1, count(answers, http.StatusCreated, ""), "%v", answers)
		require.Equal(t, 19, count(answers, http.StatusBadRequest, `{"mobile":["Less than 60 seconds since the last code was sent"]}`))
		sent := 0
		for _, m := range fake.Outbox() {
			if m.Mobile == mobile {
				sent++
			}
		}
		require.Equal(t, 1, sent)
	})

	t.Run("20 concurrent registrations with one code create one user", func(t *testing.T) {
		mobile := harness.NewMobile()
		code := replicas[0].RequestCode(mobile)
		answers := burst(t, 20, "/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
		require.Equal(t, 1, count(answers, http.StatusCreated, ""), "%v", answers)
		require.Equal(t, 19, count(answers, http.StatusBadRequest, ""), "no 500: %v", answers)
		replicas[1].Login(mobile, "long enough")
	})

	t.Run("concurrent wrong guesses stay within the attempt budget", func(t *testing.T) {
		mobile := harness.NewMobile()
		code := replicas[1].RequestCode(mobile)
		answers := burst(t, 20, "/users/", map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "long enough"})
		require.Equal(t, 5, count(answers, http.StatusBadRequest, `{"code":["Verification code error"]}`), "%v", answers)
		require.Equal(t, 15, count(answers, http.StatusBadRequest, `{"code":["Too many incorrect attempts, request a new code"]}`))
		harness.Expect(t, replicas[0].Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
	})

	t.Run("a token from one replica works on the other", func(t *testing.T) {
		mobile := harness.NewMobile()
		token := replicas[0].Register(mobile, "correct horse")
		require.Equal(t, http.StatusOK, replicas[1].Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).Status)
	})
}
