package component

import (
	"fmt"
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
	env := map[string]string{"DATABASE_URL": testdb.PostgresURL(t)}
	fake, clock := sms.NewFake(), newTestClock()
	replicas := []*harness{startHarness(t, env, fake, clock), startHarness(t, env, fake, clock)}

	// burst sends n requests at once, alternating replicas, and returns the answers.
	burst := func(t *testing.T, n int, path string, body map[string]any) []response {
		var wg sync.WaitGroup
		answers := make([]response, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i], errs[i] = replicas[i%2].send(http.MethodPost, path, body)
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		return answers
	}
	count := func(answers []response, status int, body string) int {
		n := 0
		for _, a := range answers {
			if a.status == status && (body == "" || string(a.body) == body) {
				n++
			}
		}
		return n
	}

	t.Run("20 concurrent code requests send one SMS", func(t *testing.T) {
		mobile := newMobile()
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
		mobile := newMobile()
		code := replicas[0].requestCode(mobile)
		answers := burst(t, 20, "/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
		require.Equal(t, 1, count(answers, http.StatusCreated, ""), "%v", answers)
		require.Equal(t, 19, count(answers, http.StatusBadRequest, ""), "no 500: %v", answers)
		replicas[1].login(mobile, "long enough")
	})

	t.Run("concurrent wrong guesses stay within the attempt budget", func(t *testing.T) {
		mobile := newMobile()
		code := replicas[1].requestCode(mobile)
		answers := burst(t, 20, "/users/", map[string]any{"username": mobile, "code": wrongCode(code), "password": "long enough"})
		require.Equal(t, 5, count(answers, http.StatusBadRequest, `{"code":["Verification code error"]}`), "%v", answers)
		require.Equal(t, 15, count(answers, http.StatusBadRequest, `{"code":["Too many incorrect attempts, request a new code"]}`))
		expect(t, replicas[0].post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
	})

	t.Run("a token from one replica works on the other", func(t *testing.T) {
		mobile := newMobile()
		token := replicas[0].register(mobile, "correct horse")
		require.Equal(t, http.StatusOK, replicas[1].request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).status)
	})
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }
