package component_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A code is good only for the purpose and the mobile it was sent for: the purpose is part
// of its hash. Each wrong use is refused as a wrong code, and the code still serves its
// own purpose afterwards.
func TestCodesServeOnlyTheirPurpose(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "100"})
		alice, bob := harness.NewMobile(), harness.NewMobile()
		h.Register(alice, "correct horse")
		h.Register(bob, "correct horse")
		h.AddSecrets("battery staple")
		h.Clock.Advance(time.Minute)

		t.Run("a login code", func(t *testing.T) {
			code := codeFor(t, h, alice, "login")
			harness.Expect(t, resetPassword(h, alice, code, "battery staple"), http.StatusBadRequest, codeMismatch)
			harness.Expect(t, h.Post("/users/", map[string]any{"username": alice, "code": code, "password": "battery staple"}),
				http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
			tokensOf(t, h, loginByCode(h, alice, code))
			h.Login(alice, "correct horse") // the reset did not happen
		})

		t.Run("a reset code", func(t *testing.T) {
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "reset_password")
			harness.Expect(t, loginByCode(h, alice, code), http.StatusBadRequest, codeMismatch)
			owner := loginSession(t, h, alice, "correct horse")
			harness.Expect(t, deleteAccount(h, owner.access, map[string]any{"code": code}), http.StatusBadRequest, codeMismatch)
			tokensOf(t, h, resetPassword(h, alice, code, "battery staple"))
			h.Login(alice, "battery staple")
		})

		t.Run("a registration code", func(t *testing.T) {
			fresh := harness.NewMobile()
			code := codeFor(t, h, fresh, "")
			owner := loginSession(t, h, bob, "correct horse")
			harness.Expect(t, changeMobile(h, owner.access, fresh, code), http.StatusBadRequest, codeMismatch)
			harness.Expect(t, loginByCode(h, fresh, code), http.StatusBadRequest, codeMismatch)
			require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": fresh, "code": code, "password": "long enough"}).Status)
		})

		t.Run("a change code", func(t *testing.T) {
			fresh := harness.NewMobile()
			owner := loginSession(t, h, bob, "correct horse")
			code := codeFor(t, h, fresh, "change_mobile", bearer(owner.access)...)
			harness.Expect(t, h.Post("/users/", map[string]any{"username": fresh, "code": code, "password": "long enough"}),
				http.StatusBadRequest, codeMismatch)
			harness.Expect(t, changeMobile(h, owner.access, fresh, code), http.StatusOK,
				`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+fresh+`"}`)
		})

		t.Run("a code for another mobile", func(t *testing.T) {
			carol, dave := harness.NewMobile(), harness.NewMobile()
			h.Register(carol, "correct horse")
			h.Register(dave, "correct horse")
			h.Clock.Advance(time.Minute)
			forCarol, forDave := codeFor(t, h, carol, "login"), codeFor(t, h, dave, "login")
			if forCarol != forDave {
				harness.Expect(t, loginByCode(h, carol, forDave), http.StatusBadRequest, codeMismatch)
				harness.Expect(t, loginByCode(h, dave, forCarol), http.StatusBadRequest, codeMismatch)
			}
			tokensOf(t, h, loginByCode(h, carol, forCarol))
			tokensOf(t, h, loginByCode(h, dave, forDave))
		})
	})
}

// The old client sends no purpose: its codes are registration codes, answered byte for
// byte as before, and sent before the answer (a vendor's refusal is its answer).
func TestDefaultPurposeIsRegistration(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		registered := harness.NewMobile()
		h.Register(registered, "correct horse")
		h.Clock.Advance(time.Minute)

		for _, body := range []map[string]any{
			{"mobile": registered},
			{"mobile": registered, "purpose": "register"},
			{"mobile": registered, "purpose": ""},
		} {
			r := h.Post("/code/", body)
			require.Equal(t, http.StatusBadRequest, r.Status)
			require.Equal(t, `{"mobile":["User already exists"]}`, string(r.Body), "%v", body)
		}
		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": registered}, "Accept-Language", "zh-hans"),
			http.StatusBadRequest, `{"mobile": ["用户已经存在"]}`)

		for _, purpose := range []string{"", "register"} {
			mobile := harness.NewMobile()
			body := map[string]any{"mobile": mobile}
			if purpose != "" {
				body["purpose"] = purpose
			}
			r := h.Post("/code/", body)
			require.Equal(t, http.StatusCreated, r.Status)
			require.Equal(t, `{"mobile":"`+mobile+`"}`, string(r.Body))
			require.Len(t, textsTo(h, mobile), 1, "texted before the answer, no background send to wait for")
			code := harness.CodePattern.FindString(textsTo(h, mobile)[0])
			h.AddSecrets(code)
			require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}).Status)
		}

		mobile := harness.NewMobile()
		h.SMS.Refuse("参数 mobile 格式不正确")
		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest, `{"mobile": ["参数 mobile 格式不正确"]}`)
		h.SMS.Recover()
	})
}

// Where the answer must not tell accounts apart, the send finishes after the answer, under
// the same rules: a send that fails gives back the slot and the quotas it took.
func TestAFailedBackgroundSendGivesBackItsSlotAndQuota(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_LIMIT": "2"})
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse") // one of the two sends of the day
		h.Clock.Advance(time.Minute)
		for _, fail := range []func(){func() { h.SMS.Refuse("blocked") }, h.SMS.BeUnavailable} {
			fail()
			harness.Expect(t, askCode(h, mobile, "login"), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
			h.WaitForSends()
			h.SMS.Recover()
		}
		require.Len(t, textsTo(h, mobile), 1, "only the registration's code went out")
		// No clock advance: the slot is free again, and the day's second send is left.
		code := codeFor(t, h, mobile, "login")
		tokensOf(t, h, loginByCode(h, mobile, code))
	})
}

// One resend interval per mobile, whatever the codes are for.
func TestOneSMSPerIntervalAcrossPurposes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		alice, other := harness.NewMobile(), harness.NewMobile()
		h.Register(alice, "correct horse")
		h.Register(other, "correct horse")
		h.Clock.Advance(time.Minute)
		owner := loginSession(t, h, other, "correct horse")

		codeFor(t, h, alice, "login")
		harness.Expect(t, askCode(h, alice, "reset_password"), http.StatusBadRequest, tooSoon)
		harness.Expect(t, askCode(h, alice, "login"), http.StatusBadRequest, tooSoon)

		fresh := harness.NewMobile()
		codeFor(t, h, fresh, "")
		for _, purpose := range []string{"login", "reset_password", "register"} {
			harness.Expect(t, askCode(h, fresh, purpose), http.StatusBadRequest, tooSoon)
		}
		harness.Expect(t, askCode(h, fresh, "change_mobile", bearer(owner.access)...), http.StatusBadRequest, tooSoon)
		h.WaitForSends()
		require.Len(t, textsTo(h, alice), 2, "the registration's code and the login code")
		require.Len(t, textsTo(h, fresh), 1)

		h.Clock.Advance(time.Minute)
		codeFor(t, h, alice, "reset_password")
		codeFor(t, h, fresh, "change_mobile", bearer(owner.access)...)
	})
}

// One daily cap per mobile, whatever the codes are for; stand-in codes, which nobody is
// sent, are charged like the others, so that the cap tells no account apart.
func TestOneDailyCapAcrossPurposes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_LIMIT": "4", "SMS_RESEND_INTERVAL": "1s"})
		other := harness.NewMobile()
		owner := h.Register(other, "correct horse")
		fresh := harness.NewMobile()
		codeFor(t, h, fresh, "")
		h.Clock.Advance(time.Second)
		codeFor(t, h, fresh, "change_mobile", bearer(owner)...)
		for _, purpose := range []string{"login", "reset_password"} {
			h.Clock.Advance(time.Second)
			standIn(t, h, fresh, purpose)
		}
		h.Clock.Advance(time.Second)
		for _, purpose := range []string{"", "login", "reset_password"} {
			require.Equal(t, http.StatusTooManyRequests, askCode(h, fresh, purpose).Status, "purpose %q", purpose)
		}
		require.Equal(t, http.StatusTooManyRequests, askCode(h, fresh, "change_mobile", bearer(owner)...).Status)
		require.Equal(t, 4.0, h.Metric("phoneauth_limit_refusals_total", `reason="mobile_daily"`))
		require.Len(t, textsTo(h, fresh), 2)
	})
}

// One daily budget of verifications per mobile, whatever the codes are for: new codes for
// another purpose buy no new guesses.
func TestOneVerificationBudgetAcrossPurposes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_FAILURE_LIMIT": "4", "LOGIN_FAILURES_BEFORE_DELAY": "100"})
		alice := harness.NewMobile()
		h.Register(alice, "correct horse")
		h.AddSecrets("battery staple")

		h.Clock.Advance(24 * time.Hour) // a new day: the registration's verification is forgotten
		code := codeFor(t, h, alice, "login")
		for range 2 {
			harness.Expect(t, loginByCode(h, alice, harness.WrongCode(code)), http.StatusBadRequest, codeMismatch)
		}
		h.Clock.Advance(time.Minute)
		code = codeFor(t, h, alice, "reset_password")
		for range 2 {
			harness.Expect(t, resetPassword(h, alice, harness.WrongCode(code), "battery staple"), http.StatusBadRequest, codeMismatch)
		}
		r := resetPassword(h, alice, code, "battery staple")
		require.Equal(t, http.StatusTooManyRequests, r.Status, "body: %s", r.Body)
		require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="code_failures"`))
	})
}

// A code to change the caller's number needs the caller; a number in use, the caller's
// own included, gets none.
func TestChangeCodeNeedsTheCaller(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	alice, bob := harness.NewMobile(), harness.NewMobile()
	owner := h.Register(alice, "correct horse")
	h.Register(bob, "correct horse")
	h.Clock.Advance(time.Minute)
	fresh := harness.NewMobile()

	harness.Expect(t, askCode(h, fresh, "change_mobile"), http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
	harness.Expect(t, askCode(h, fresh, "change_mobile", "Accept-Language", "zh-hans"), http.StatusUnauthorized, `{"detail": "身份认证信息未提供。"}`)
	harness.Expect(t, askCode(h, fresh, "change_mobile", "Authorization", "JWT not.a.token"), http.StatusUnauthorized, `{"detail": "Error decoding signature."}`)
	harness.Expect(t, askCode(h, alice, "change_mobile", bearer(owner)...), http.StatusBadRequest, userExists)
	harness.Expect(t, askCode(h, bob, "change_mobile", bearer(owner)...), http.StatusBadRequest, userExists)
	harness.Expect(t, askCode(h, bob, "change_mobile", append(bearer(owner), "Accept-Language", "zh-hans")...), http.StatusBadRequest, `{"mobile": ["用户已经存在"]}`)
	require.Empty(t, textsTo(h, fresh))

	// Other purposes ignore a stale token, as registration always has.
	stale := []string{"Authorization", "JWT stale.token.value"}
	for _, purpose := range []string{"", "login"} {
		require.Equal(t, http.StatusCreated, askCode(h, harness.NewMobile(), purpose, stale...).Status, "purpose %q", purpose)
	}
	codeFor(t, h, fresh, "change_mobile", bearer(owner)...)
}

// CONTRACT: purpose is one of four names, as a string.
func TestPurposeValidation(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	rows := []struct {
		name   string
		body   map[string]any
		want   string
		wantZh string
	}{
		{"unknown", map[string]any{"mobile": mobile, "purpose": "x"}, `{"purpose": ["\"x\" is not a valid choice."]}`, `{"purpose": ["“x” 不是合法选项。"]}`},
		{"another case", map[string]any{"mobile": mobile, "purpose": "LOGIN"}, `{"purpose": ["\"LOGIN\" is not a valid choice."]}`, `{"purpose": ["“LOGIN” 不是合法选项。"]}`},
		{"a number", map[string]any{"mobile": mobile, "purpose": 5}, `{"purpose": ["\"5\" is not a valid choice."]}`, `{"purpose": ["“5” 不是合法选项。"]}`},
		{"an array", map[string]any{"mobile": mobile, "purpose": []string{"login"}}, `{"purpose": ["Not a valid string."]}`, `{"purpose": ["不是有效的字符串。"]}`},
		{"an object", map[string]any{"mobile": mobile, "purpose": map[string]any{}}, `{"purpose": ["Not a valid string."]}`, `{"purpose": ["不是有效的字符串。"]}`},
		{"a boolean", map[string]any{"mobile": mobile, "purpose": true}, `{"purpose": ["Not a valid string."]}`, `{"purpose": ["不是有效的字符串。"]}`},
		{"null", map[string]any{"mobile": mobile, "purpose": nil}, `{"purpose": ["This field may not be null."]}`, `{"purpose": ["该字段不能为 null。"]}`},
		{"with a bad mobile", map[string]any{"purpose": "x"}, `{"mobile": ["This field is required."], "purpose": ["\"x\" is not a valid choice."]}`,
			`{"mobile": ["该字段是必填项。"], "purpose": ["“x” 不是合法选项。"]}`},
		{"of the wrong type with a bad mobile", map[string]any{"mobile": nil, "purpose": 1.5}, `{"mobile": ["This field may not be null."], "purpose": ["\"1.5\" is not a valid choice."]}`,
			`{"mobile": ["该字段不能为 null。"], "purpose": ["“1.5” 不是合法选项。"]}`},
		{"an array with a bad mobile", map[string]any{"mobile": "123", "purpose": []any{}}, `{"purpose": ["Not a valid string."]}`, `{"purpose": ["不是有效的字符串。"]}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			harness.Expect(t, h.Post("/code/", row.body), http.StatusBadRequest, row.want)
			harness.Expect(t, h.Post("/code/", row.body, "Accept-Language", "zh-hans"), http.StatusBadRequest, row.wantZh)
		})
	}
	form, headers := harness.FormBody(map[string]string{"mobile": mobile, "purpose": "x"})
	harness.Expect(t, h.Post("/code/", form, headers...), http.StatusBadRequest, `{"purpose": ["\"x\" is not a valid choice."]}`)
	h.WaitForSends()
	require.Empty(t, h.SMS.Outbox())

	// A purpose is trimmed, as every text field is.
	harness.Expect(t, askCode(h, mobile, " login "), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
}
