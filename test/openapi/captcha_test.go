package openapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/phoneauth/phoneauth/test/harness"
)

// The CAPTCHA's answers on /code/ (CAPTCHA_PROVIDER set), as the document describes them:
// the token in each body encoding and in X-Captcha-Token, missing, refused, and a
// provider that cannot be asked.
func TestCaptchaExchangesMatchTheDocument(t *testing.T) {
	const human = "human-token"
	verifier := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		if form.Get("response") == human {
			_, _ = io.WriteString(w, `{"success": true, "error-codes": []}`)
			return
		}
		_, _ = io.WriteString(w, `{"success": false, "error-codes": ["invalid-input-response"]}`)
	}))
	t.Cleanup(verifier.Close)
	_, router := loadDocument(t)
	env := map[string]string{"CAPTCHA_PROVIDER": "hcaptcha", "CAPTCHA_SECRET": "captcha-secret", "CAPTCHA_VERIFY_URL": verifier.URL}
	s := newSuite(t, router, env)
	s.AddSecrets("captcha-secret", human)
	post := func(body any, status int, headers ...string) {
		t.Helper()
		s.do(exchange{method: http.MethodPost, path: "/code/", body: body, status: status, headers: headers})
	}
	zh := []string{"Accept-Language", "zh-hans"}

	post(map[string]any{"mobile": harness.NewMobile(), "captcha": human}, http.StatusCreated)
	post(formBody{"mobile": harness.NewMobile(), "captcha": human}, http.StatusCreated)
	post(multipartBody{"mobile": harness.NewMobile(), "captcha": human}, http.StatusCreated)
	post(map[string]any{"mobile": harness.NewMobile()}, http.StatusCreated, "X-Captcha-Token", human)
	post(map[string]any{"mobile": harness.NewMobile()}, http.StatusBadRequest)
	post(map[string]any{"mobile": harness.NewMobile(), "captcha": "bot"}, http.StatusBadRequest, zh...)
	post(map[string]any{"mobile": harness.NewMobile()}, http.StatusBadRequest, "X-Captcha-Token", "bot")
	for _, msg := range s.SMS.Outbox() {
		s.AddSecrets(harness.CodePattern.FindString(msg.Text))
	}

	verifier.Close()
	post(map[string]any{"mobile": harness.NewMobile(), "captcha": human}, http.StatusServiceUnavailable)
	post(map[string]any{"mobile": harness.NewMobile(), "captcha": human}, http.StatusServiceUnavailable, zh...)
}
