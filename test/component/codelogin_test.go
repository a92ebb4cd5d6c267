package component_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// trustedPeer makes the harness's peer (app.Test's 0.0.0.0) a proxy, so that a test can
// choose the client IP with X-Forwarded-For.
const trustedPeer = "0.0.0.0/32"

func fromIP(ip string) []string { return []string{"X-Forwarded-For", ip} }

// POST /login/code/ answers as /login/ does, for a code sent with purpose login.
func TestLogInByCode(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "100"})
		alice := harness.NewMobile()
		h.Register(alice, "correct horse")
		h.Clock.Advance(time.Minute)
		logins := func(outcome string) float64 {
			return h.Metric("phoneauth_logins_total", `outcome="`+outcome+`"`)
		}

		t.Run("success", func(t *testing.T) {
			succeeded := logins("success")
			code := codeFor(t, h, alice, "login")
			r := loginByCode(h, alice, code)
			s := tokensOf(t, h, r)
			body := r.JSON(t)
			keys := make([]string, 0, len(body))
			for k := range body {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			require.Equal(t, []string{"device_token", "refresh", "token"}, keys)
			device := body["device_token"].(string)
			require.NotEmpty(t, device)
			h.AddSecrets(device)
			me := h.Request(http.MethodGet, "/users/1/", nil, bearer(s.access)...)
			require.Equal(t, http.StatusOK, me.Status, "body: %s", me.Body)
			require.Equal(t, alice, me.JSON(t)["mobile"])
			tokensOf(t, h, refresh(t, h, s.refresh))
			require.Equal(t, succeeded+1, logins("success"), "a login for the metrics")

			// Used up; a client that logged in before keeps its device token.
			harness.Expect(t, loginByCode(h, alice, code), http.StatusBadRequest, codeMismatch)
			h.Clock.Advance(time.Minute)
			code = codeFor(t, h, alice, "login")
			again := loginByCode(h, alice, code, "X-Device-Token", device)
			tokensOf(t, h, again)
			require.Equal(t, device, again.JSON(t)["device_token"])
		})

		t.Run("wrong code", func(t *testing.T) {
			invalid := logins("invalid")
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "login")
			harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code)), http.StatusBadRequest, codeMismatch)
			harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code), "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误"]}`)
			require.Equal(t, invalid+2, logins("invalid"))
			tokensOf(t, h, loginByCode(h, alice, code))
		})

		t.Run("exhausted", func(t *testing.T) {
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "login")
			for range 5 {
				harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code)), http.StatusBadRequest, codeMismatch)
			}
			harness.Expect(t, loginByCode(h, alice, code), http.StatusBadRequest, codeExhausted)
			harness.Expect(t, loginByCode(h, alice, code, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误次数过多，请重新获取"]}`)
		})

		t.Run("expired", func(t *testing.T) {
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "login")
			h.Clock.Advance(5 * time.Minute)
			harness.Expect(t, loginByCode(h, alice, code), http.StatusBadRequest, codeExpired)
			harness.Expect(t, loginByCode(h, alice, code, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码过期"]}`)
		})

		t.Run("no code sent", func(t *testing.T) {
			harness.Expect(t, loginByCode(h, harness.NewMobile(), "123456"), http.StatusBadRequest, codeMismatch)
		})

		t.Run("inactive user", func(t *testing.T) {
			bob := harness.NewMobile()
			h.Register(bob, "correct horse")
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, bob, "login") // sent while the account was active
			setActive(t, databaseURL, bob, false)
			harness.Expect(t, loginByCode(h, bob, code), http.StatusBadRequest, codeMismatch)
			// Its next code is a stand-in: nothing is texted to it.
			h.Clock.Advance(time.Minute)
			sent := len(textsTo(h, bob))
			harness.Expect(t, askCode(h, bob, "login"), http.StatusCreated, `{"mobile": "`+bob+`"}`)
			h.WaitForSends()
			require.Len(t, textsTo(h, bob), sent)

			setActive(t, databaseURL, bob, true)
			h.Clock.Advance(time.Minute)
			tokensOf(t, h, loginByCode(h, bob, codeFor(t, h, bob, "login")))
		})

		t.Run("fields", func(t *testing.T) {
			rows := []struct {
				name string
				body map[string]any
				want string
			}{
				{"both missing", map[string]any{}, `{"mobile": ["This field is required."], "code": ["Please enter the verification code"]}`},
				{"mobile null", map[string]any{"mobile": nil, "code": "123456"}, `{"mobile": ["This field may not be null."]}`},
				{"mobile blank", map[string]any{"mobile": " ", "code": "123456"}, `{"mobile": ["This field may not be blank."]}`},
				{"mobile invalid", map[string]any{"mobile": "12345", "code": "123456"}, `{"mobile": ["Invalid mobile phone number"]}`},
				{"mobile an array", map[string]any{"mobile": []string{alice}, "code": "123456"}, `{"mobile": ["Not a valid string."]}`},
				{"code blank", map[string]any{"mobile": alice, "code": ""}, `{"code": ["Please enter the verification code"]}`},
				{"code short", map[string]any{"mobile": alice, "code": "1234"}, `{"code": ["Verification code format error"]}`},
				{"code not digits", map[string]any{"mobile": alice, "code": "12a456"}, `{"code": ["Verification code format error"]}`},
				{"code an object", map[string]any{"mobile": alice, "code": map[string]any{}}, `{"code": ["Not a valid string."]}`},
			}
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					harness.Expect(t, h.Post("/login/code/", row.body), http.StatusBadRequest, row.want)
				})
			}
			harness.Expect(t, h.Post("/login/code/", map[string]any{}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
				`{"mobile": ["该字段是必填项。"], "code": ["请输入验证码"]}`)
		})
	})
}

// Guessing codes at /login/code/ is throttled as at /login/ (the account's and the IP's
// back-off, which a known device escapes) and as at /users/ (the mobile's daily budget).
func TestLogInByCodeIsThrottled(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedPeer,
			"LOGIN_FAILURES_BEFORE_DELAY": "3", "SMS_DAILY_FAILURE_LIMIT": "100"})

		t.Run("account back-off", func(t *testing.T) {
			alice := harness.NewMobile()
			h.Register(alice, "correct horse")
			r := h.Post("/login/", map[string]any{"username": alice, "password": "correct horse"}, fromIP("198.51.100.20")...)
			device := r.JSON(t)["device_token"].(string)
			h.AddSecrets(device)
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "login")
			for i := range 3 {
				harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code), fromIP(fmt.Sprintf("203.0.113.%d", i+1))...),
					http.StatusBadRequest, codeMismatch)
			}
			refused := h.Metric("phoneauth_limit_refusals_total", `reason="login_account"`)
			throttled := h.Metric("phoneauth_logins_total", `outcome="throttled"`)
			r = loginByCode(h, alice, code, fromIP("198.51.100.1")...)
			require.Equal(t, http.StatusTooManyRequests, r.Status, "the right code waits too: %s", r)
			require.Equal(t, "1", r.Header.Get("Retry-After"))
			require.Equal(t, http.StatusTooManyRequests, h.Post("/login/", map[string]any{"username": alice, "password": "correct horse"}, fromIP("198.51.100.2")...).Status,
				"one back-off for both login routes")
			require.Equal(t, refused+2, h.Metric("phoneauth_limit_refusals_total", `reason="login_account"`))
			require.Equal(t, throttled+2, h.Metric("phoneauth_logins_total", `outcome="throttled"`))

			// The owner's device is judged on its own failures.
			tokensOf(t, h, loginByCode(h, alice, code, append(fromIP("198.51.100.3"), "X-Device-Token", device)...))

			// A success resets the account: after the wait, the next failure is free again.
			h.Clock.Advance(time.Minute)
			code = codeFor(t, h, alice, "login")
			tokensOf(t, h, loginByCode(h, alice, code, fromIP("198.51.100.4")...))
			h.Clock.Advance(time.Minute)
			code = codeFor(t, h, alice, "login")
			harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code), fromIP("198.51.100.5")...), http.StatusBadRequest, codeMismatch)
		})

		t.Run("IP back-off", func(t *testing.T) {
			alice := harness.NewMobile()
			h.Register(alice, "correct horse")
			h.Clock.Advance(time.Minute)
			for i := range 3 {
				require.Equal(t, http.StatusBadRequest, h.Post("/login/", map[string]any{"username": fmt.Sprintf("nobody%d", i), "password": "guess"},
					fromIP("203.0.113.99")...).Status)
			}
			code := codeFor(t, h, alice, "login")
			require.Equal(t, http.StatusTooManyRequests, loginByCode(h, alice, code, fromIP("203.0.113.99")...).Status)
			tokensOf(t, h, loginByCode(h, alice, code, fromIP("198.51.100.99")...))
		})
	})
}

// Every verification of a live code counts against the mobile's daily budget, as at
// /users/: new codes buy no new guesses.
func TestLogInByCodeSpendsTheMobilesBudget(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedPeer, "SMS_DAILY_FAILURE_LIMIT": "3"})
		alice := harness.NewMobile()
		h.Register(alice, "correct horse")
		h.Clock.Advance(24 * time.Hour) // a new day: the registration's verification is forgotten
		code := codeFor(t, h, alice, "login")
		for i := range 2 {
			harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code), fromIP(fmt.Sprintf("203.0.113.%d", i+1))...), http.StatusBadRequest, codeMismatch)
		}
		h.Clock.Advance(time.Minute)
		code = codeFor(t, h, alice, "login")
		harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code), fromIP("203.0.113.3")...), http.StatusBadRequest, codeMismatch)
		r := loginByCode(h, alice, code, fromIP("203.0.113.4")...)
		require.Equal(t, http.StatusTooManyRequests, r.Status, "body: %s", r.Body)
		require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="code_failures"`))
	})
}
