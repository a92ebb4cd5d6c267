package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The CAPTCHA on sends (issue 16), against a local fake of a provider's siteverify API.

const (
	captchaSecret = "captcha-secret-0x4AAAAAAA"
	// humanToken is a token the fake verifier accepts; botToken one it refuses.
	humanToken = "human.0.token-from-the-widget"
	botToken   = "bot.0.token-from-a-script"
	slowToken  = "slow.0.token"
)

// fakeCaptcha stands in for a provider's siteverify endpoint: it accepts tokens that
// start with "human", refuses others with the vendors' error code, answers "slow" ones
// after a second, and records every form it received.
type fakeCaptcha struct {
	server *httptest.Server
	mu     sync.Mutex
	forms  []url.Values
}

func newFakeCaptcha(t *testing.T) *fakeCaptcha {
	f := &fakeCaptcha{}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		f.mu.Lock()
		f.forms = append(f.forms, form)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		token := form.Get("response")
		switch {
		case form.Get("secret") != captchaSecret:
			_, _ = io.WriteString(w, `{"success": false, "error-codes": ["invalid-input-secret"]}`)
		case strings.HasPrefix(token, "human"):
			_, _ = io.WriteString(w, `{"success": true, "error-codes": [], "hostname": "shop.example"}`)
		case strings.HasPrefix(token, "slow"):
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, `{"success": true}`)
		case strings.HasPrefix(token, "garbage"):
			_, _ = io.WriteString(w, `<html>Just a moment...</html>`)
		default:
			_, _ = io.WriteString(w, `{"success": false, "error-codes": ["invalid-input-response"]}`)
		}
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeCaptcha) received() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.forms...)
}

// captchaEnv turns the CAPTCHA on against verifyURL, with env over it.
func captchaEnv(verifyURL string, env map[string]string) map[string]string {
	vars := map[string]string{"CAPTCHA_PROVIDER": "turnstile", "CAPTCHA_SECRET": captchaSecret, "CAPTCHA_VERIFY_URL": verifyURL}
	maps.Copy(vars, env)
	return vars
}

// startCaptcha starts the app with the CAPTCHA on; the log must not hold the secret or a token.
func startCaptcha(t *testing.T, verifyURL string, env map[string]string) *harness.Harness {
	h := harness.New(t, captchaEnv(verifyURL, env))
	h.AddSecrets(captchaSecret, humanToken, botToken, slowToken)
	return h
}

// closedURL is the address of a verifier that is down: nothing listens there.
func closedURL() string {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	return closed.URL + "/turnstile/v0/siteverify"
}

// A request without a good token is refused before anything is counted: no SMS, no
// resend slot, no quota. With SMS_IP_HOURLY_LIMIT=1, the one code the address may have
// this hour still goes out after the refusals, to the same number, and the next is
// throttled, so the refusals spent nothing.
func TestCaptchaRefusalsComeBeforeAnyQuota(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	h := startCaptcha(t, verifier.server.URL, map[string]string{"SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": "0.0.0.0/32"})
	mobile := harness.NewMobile()
	client := []string{"X-Forwarded-For", "203.0.113.7"}
	zh := append([]string{"Accept-Language", "zh-hans"}, client...)

	rows := []struct {
		name   string
		body   map[string]any
		en, zh string
	}{
		{"missing", map[string]any{"mobile": mobile}, "This field is required.", "该字段是必填项。"},
		{"blank", map[string]any{"mobile": mobile, "captcha": "  "}, "This field may not be blank.", "该字段不能为空。"},
		{"null", map[string]any{"mobile": mobile, "captcha": nil}, "This field may not be null.", "该字段不能为 null。"},
		{"not a string", map[string]any{"mobile": mobile, "captcha": []string{humanToken}}, "Not a valid string.", "不是有效的字符串。"},
		{"refused", map[string]any{"mobile": mobile, "captcha": botToken}, "Invalid CAPTCHA, please try again.", "人机验证未通过，请重试。"},
		// The CAPTCHA comes first: the other fields are not judged, nor the number's account told.
		{"refused, no mobile", map[string]any{"captcha": botToken}, "Invalid CAPTCHA, please try again.", "人机验证未通过，请重试。"},
	}
	for _, row := range rows {
		harness.Expect(t, h.Post("/code/", row.body, client...), http.StatusBadRequest, `{"captcha": [`+harness.Quote(row.en)+`]}`)
		harness.Expect(t, h.Post("/code/", row.body, zh...), http.StatusBadRequest, `{"captcha": [`+harness.Quote(row.zh)+`]}`)
	}
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}, "X-Captcha-Token", botToken), http.StatusBadRequest,
		`{"captcha": ["Invalid CAPTCHA, please try again."]}`)
	require.Empty(t, h.SMS.Outbox(), "no SMS for a request without a good token")
	require.Equal(t, float64(2*len(rows)+1), h.Metric("phoneauth_limit_refusals_total", `reason="captcha"`))

	// Only the refused tokens were asked about, as the vendors document the form.
	forms := verifier.received()
	require.Len(t, forms, 2*2+1)
	require.Equal(t, url.Values{"secret": {captchaSecret}, "response": {botToken}, "remoteip": {"203.0.113.7"}}, forms[0])

	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile, "captcha": humanToken}, client...), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	require.Len(t, h.SMS.Outbox(), 1)
	h.AddSecrets(harness.CodePattern.FindString(h.SMS.Outbox()[0].Text))
	r := h.Post("/code/", map[string]any{"mobile": harness.NewMobile(), "captcha": humanToken}, client...)
	require.Equal(t, http.StatusTooManyRequests, r.Status, "the hour's one code was this address's: body %s", r.Body)
	require.Equal(t, float64(1), h.Metric("phoneauth_limit_refusals_total", `reason="ip_hourly"`))
}

// The token may come in the body however it is encoded, or in X-Captcha-Token.
func TestCaptchaTokenInBodyOrHeader(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	h := startCaptcha(t, verifier.server.URL, nil)
	send := func(name string, body any, headers ...string) {
		t.Helper()
		path := "/code/"
		if name == "path without its slash" {
			path = "/code"
		}
		r := h.Post(path, body, headers...)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", name, r.Body)
	}
	send("json", map[string]any{"mobile": harness.NewMobile(), "captcha": humanToken})
	send("json, padded", map[string]any{"mobile": harness.NewMobile(), "captcha": " " + humanToken + " "})
	form, headers := harness.FormBody(map[string]string{"mobile": harness.NewMobile(), "captcha": humanToken})
	send("urlencoded", form, headers...)
	multipart, headers := harness.MultipartBody(t, map[string]string{"mobile": harness.NewMobile(), "captcha": humanToken})
	send("multipart", multipart, headers...)
	send("header", map[string]any{"mobile": harness.NewMobile()}, "X-Captcha-Token", humanToken)
	send("header, blank body field", map[string]any{"mobile": harness.NewMobile(), "captcha": ""}, "X-Captcha-Token", humanToken)
	send("path without its slash", map[string]any{"mobile": harness.NewMobile(), "captcha": humanToken})
	r := h.Post("/code", map[string]any{"mobile": harness.NewMobile()})
	harness.Expect(t, r, http.StatusBadRequest, `{"captcha": ["This field is required."]}`)

	require.Len(t, h.SMS.Outbox(), 7)
	for _, msg := range h.SMS.Outbox() {
		h.AddSecrets(harness.CodePattern.FindString(msg.Text))
	}
	for _, form := range verifier.received() {
		require.Equal(t, humanToken, form.Get("response"), "trimmed")
		require.Equal(t, captchaSecret, form.Get("secret"))
		require.False(t, form.Has("remoteip"), "app.Test has no client address to pass on")
	}
}

// A verifier that cannot be asked is a 503 in the contract's envelope, and nothing is sent.
func TestCaptchaVerifierUnavailable(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	for name, h := range map[string]*harness.Harness{
		"down":    startCaptcha(t, closedURL(), nil),
		"slow":    startCaptcha(t, verifier.server.URL, map[string]string{"CAPTCHA_TIMEOUT": "100ms"}),
		"garbage": startCaptcha(t, verifier.server.URL, nil),
		// The vendor answers that the secret is wrong: the operator's fault, not the user's.
		"wrong secret": startCaptcha(t, verifier.server.URL, map[string]string{"CAPTCHA_SECRET": "not-the-secret"}),
	} {
		token := map[string]string{"slow": slowToken, "garbage": "garbage.0"}[name]
		if token == "" {
			token = humanToken
		}
		body := map[string]any{"mobile": harness.NewMobile(), "captcha": token}
		harness.Expect(t, h.Post("/code/", body), http.StatusServiceUnavailable, `{"detail": "CAPTCHA verification unavailable, try again later."}`)
		harness.Expect(t, h.Post("/code/", body, "Accept-Language", "zh-hans"), http.StatusServiceUnavailable, `{"detail": "人机验证服务暂不可用，请稍后再试。"}`)
		require.Empty(t, h.SMS.Outbox(), name)
		require.Contains(t, h.Log(), "captcha_unavailable", name)
		require.Zero(t, h.Metric("phoneauth_limit_refusals_total", `reason="captcha"`), "%s: the client was not refused", name)
		h.AddSecrets("not-the-secret")
	}
}

// With CAPTCHA_FAIL_OPEN=true a verifier that cannot be asked lets the request through,
// with a warning in the log that holds neither the token nor the secret (the harness
// checks). A missing or refused token is still refused.
func TestCaptchaFailOpen(t *testing.T) {
	t.Parallel()
	h := startCaptcha(t, closedURL(), map[string]string{"CAPTCHA_FAIL_OPEN": "true"})
	mobile := harness.NewMobile()
	r := h.Post("/code/", map[string]any{"mobile": mobile, "captcha": humanToken})
	harness.Expect(t, r, http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	require.Len(t, h.SMS.Outbox(), 1)
	h.AddSecrets(harness.CodePattern.FindString(h.SMS.Outbox()[0].Text))
	require.Regexp(t, `level=WARN msg="CAPTCHA not verified: the provider is unavailable and CAPTCHA_FAIL_OPEN lets the request through" request_id=\w+ method=POST path=/code/ error=".*captcha_unavailable`, h.Log())

	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}), http.StatusBadRequest, `{"captcha": ["This field is required."]}`)

	verifier := newFakeCaptcha(t)
	up := startCaptcha(t, verifier.server.URL, map[string]string{"CAPTCHA_FAIL_OPEN": "true"})
	harness.Expect(t, up.Post("/code/", map[string]any{"mobile": harness.NewMobile(), "captcha": botToken}), http.StatusBadRequest,
		`{"captcha": ["Invalid CAPTCHA, please try again."]}`)
	require.NotContains(t, up.Log(), "CAPTCHA not verified")
}

// CAPTCHA_ROUTES puts the CAPTCHA on other routes: here /login/ too, and not /jwt-auth/.
func TestCaptchaRoutesCoverLogin(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	h := startCaptcha(t, verifier.server.URL, map[string]string{"CAPTCHA_ROUTES": "/code/,/login/"})
	mobile := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile, "captcha": humanToken}), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	code := harness.CodePattern.FindString(h.SMS.Outbox()[0].Text)
	h.AddSecrets(code, "correct horse")
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "correct horse"})
	require.Equal(t, http.StatusCreated, r.Status, "registration has no CAPTCHA: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string))

	login := map[string]any{"username": mobile, "password": "correct horse"}
	harness.Expect(t, h.Post("/login/", login), http.StatusBadRequest, `{"captcha": ["This field is required."]}`)
	harness.Expect(t, h.Post("/login/", login, "X-Captcha-Token", botToken), http.StatusBadRequest, `{"captcha": ["Invalid CAPTCHA, please try again."]}`)
	r = h.Post("/login/", login, "X-Captcha-Token", humanToken)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string), r.JSON(t)["refresh"].(string))
	r = h.Post("/jwt-auth/", login)
	require.Equal(t, http.StatusOK, r.Status, "/jwt-auth/ is not in CAPTCHA_ROUTES: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string), r.JSON(t)["refresh"].(string))
}

// By default only /code/ asks for a CAPTCHA once a provider is set.
func TestCaptchaRoutesDefaultToCode(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	h := startCaptcha(t, verifier.server.URL, nil)
	mobile := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest, `{"captcha": ["This field is required."]}`)
	harness.Expect(t, h.Post("/login/", map[string]any{"username": mobile, "password": "correct horse"}), http.StatusBadRequest,
		`{"non_field_errors": ["Unable to log in with provided credentials."]}`)
}

// Off by default: the old client's flow is unchanged, a "captcha" field is ignored, and
// no verifier is asked even when CAPTCHA_VERIFY_URL names one.
func TestCaptchaOffByDefault(t *testing.T) {
	t.Parallel()
	verifier := newFakeCaptcha(t)
	h := harness.New(t, map[string]string{"CAPTCHA_VERIFY_URL": verifier.server.URL})
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).Status)
	h.Login(mobile, "correct horse")
	other := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": other, "captcha": botToken}), http.StatusCreated, `{"mobile": "`+other+`"}`)
	h.AddSecrets(harness.CodePattern.FindString(h.SMS.Outbox()[1].Text))
	require.Empty(t, verifier.received())
}
