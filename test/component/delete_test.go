package component_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/password"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// DELETE /users/{any}/ with the password removes the account and every session and token
// of it; the number can sign up again, but the SMS budget it spent stays spent.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_LIMIT": "3"})
		alice := harness.NewMobile()
		h.Register(alice, "correct horse") // the day's first SMS to the number
		h.AddSecrets("wrong horse")
		caller := loginSession(t, h, alice, "correct horse")
		other := loginSession(t, h, alice, "correct horse")
		key := apiKey(t, h, alice, "correct horse")
		django := djangoToken(t, h, 1, alice)

		harness.Expect(t, deleteAccount(h, "", map[string]any{"password": "correct horse"}), http.StatusUnauthorized,
			`{"detail": "Authentication credentials were not provided."}`)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{"password": "wrong horse"}), http.StatusBadRequest, `{"password": ["Wrong password."]}`)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{"password": "wrong horse"}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
			`{"password": ["密码错误。"]}`)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{}), http.StatusBadRequest, `{"password": ["This field is required."]}`)
		harness.Expect(t, deleteAccount(h, caller.access, nil), http.StatusBadRequest, `{"password": ["This field is required."]}`)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{"password": []string{"correct horse"}}), http.StatusBadRequest, `{"password": ["Not a valid string."]}`)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{"code": 123456}), http.StatusBadRequest, codeMismatch)
		harness.Expect(t, deleteAccount(h, caller.access, map[string]any{"code": "12"}), http.StatusBadRequest, `{"code": ["Verification code format error"]}`)
		h.Login(alice, "correct horse")

		r := deleteAccount(h, caller.access, map[string]any{"password": "correct horse"})
		require.Equal(t, http.StatusNoContent, r.Status, "body: %s", r.Body)
		require.Empty(t, r.Body)

		// Every credential of the account is dead.
		for name, access := range map[string]string{"the caller's token": caller.access, "another session's": other.access, "the original service's": django} {
			require.Equal(t, http.StatusUnauthorized, me(h, access), name)
		}
		harness.Expect(t, refresh(t, h, other.refresh), http.StatusUnauthorized, invalidRefresh)
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key), http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		require.Equal(t, http.StatusUnauthorized, deleteAccount(h, other.access, map[string]any{"password": "correct horse"}).Status)
		harness.Expect(t, h.Post("/login/", map[string]any{"username": alice, "password": "correct horse"}), http.StatusBadRequest, badLogin)

		// The number signs up again (the day's second SMS): a new account, which no old
		// credential opens.
		h.Clock.Advance(time.Minute)
		again := h.Register(alice, "another horse")
		require.Equal(t, http.StatusOK, me(h, again))
		for name, access := range map[string]string{"the caller's token": caller.access, "the original service's": django} {
			require.Equal(t, http.StatusUnauthorized, me(h, access), name)
		}
		harness.Expect(t, refresh(t, h, other.refresh), http.StatusUnauthorized, invalidRefresh)
		require.Equal(t, http.StatusUnauthorized, withKey(h, key))

		// Deleted with a login code (the day's third SMS).
		h.Clock.Advance(time.Minute)
		code := codeFor(t, h, alice, "login")
		harness.Expect(t, deleteAccount(h, again, map[string]any{"code": harness.WrongCode(code)}), http.StatusBadRequest, codeMismatch)
		require.Equal(t, http.StatusNoContent, deleteAccount(h, again, map[string]any{"code": code}).Status)
		require.Equal(t, http.StatusUnauthorized, me(h, again))

		// The number's daily cap still counts the three sends of the deleted accounts.
		h.Clock.Advance(time.Minute)
		require.Equal(t, http.StatusTooManyRequests, askCode(h, alice, "").Status)
		require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="mobile_daily"`))
	})
}

// Wrong passwords at DELETE are throttled as logins are: the account's back-off.
func TestDeleteAccountWrongPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"LOGIN_FAILURES_BEFORE_DELAY": "2"})
	alice := harness.NewMobile()
	token := h.Register(alice, "correct horse")
	h.AddSecrets("wrong horse")
	for range 2 {
		harness.Expect(t, deleteAccount(h, token, map[string]any{"password": "wrong horse"}), http.StatusBadRequest, `{"password": ["Wrong password."]}`)
	}
	require.Equal(t, http.StatusTooManyRequests, deleteAccount(h, token, map[string]any{"password": "correct horse"}).Status)
	require.Equal(t, http.StatusOK, me(h, token), "not deleted")
	h.Clock.Advance(time.Second)
	require.Equal(t, http.StatusNoContent, deleteAccount(h, token, map[string]any{"password": "correct horse"}).Status)
}

// Of deletions of one account at once (a double click), one deletes; the others find the
// account gone, and say so as DRF does for an object that is gone.
func TestConcurrentDeletesOfOneAccount(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const racers = 3
		gate := &verifyGate{PasswordHasher: password.NewArgon2id(password.Config{Concurrency: 2})}
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL}, sms.NewFake(), harness.NewClock(),
			fx.Replace(fx.Annotate(gate, fx.As(new(ports.PasswordHasher)))))
		alice := harness.NewMobile()
		token := h.Register(alice, "correct horse")

		gate.hold(racers) // every deletion has checked the password before any deletes
		answers := make([]harness.Response, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				answers[i], errs[i] = h.Send(http.MethodDelete, "/users/1/", map[string]any{"password": "correct horse"}, bearer(token)...)
			})
		}
		wg.Wait()
		deleted := 0
		for i, r := range answers {
			require.NoError(t, errs[i])
			if r.Status == http.StatusNoContent {
				deleted++
				continue
			}
			harness.Expect(t, r, http.StatusNotFound, `{"detail": "Not found."}`)
		}
		require.Equal(t, 1, deleted, "%v", answers)
		require.Equal(t, http.StatusUnauthorized, me(h, token))
	})
}
