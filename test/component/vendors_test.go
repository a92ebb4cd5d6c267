package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
)

// fakeVendor is a local stand-in for an SMS vendor's HTTP API that records what it received.
type fakeVendor struct {
	server *httptest.Server
	mu     sync.Mutex
	got    []*http.Request
	bodies [][]byte
	status int
	answer string
}

func newFakeVendor(t *testing.T, status int, answer string) *fakeVendor {
	v := &fakeVendor{status: status, answer: answer}
	v.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.got = append(v.got, r)
		v.bodies = append(v.bodies, body)
		v.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(v.status)
		_, _ = io.WriteString(w, v.answer)
	}))
	t.Cleanup(v.server.Close)
	return v
}

func (v *fakeVendor) received() ([]*http.Request, [][]byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]*http.Request(nil), v.got...), append([][]byte(nil), v.bodies...)
}

const yunpianSent = `{"code": 0, "msg": "发送成功", "count": 1, "fee": 0.05, "unit": "RMB", "mobile": "13800000000", "sid": 123}`

// The walk-through with SMS_PROVIDER=yunpian against a local fake of YunPian's API.
func TestWalkThroughWithYunpian(t *testing.T) {
	t.Parallel()
	vendor := newFakeVendor(t, http.StatusOK, yunpianSent)
	h := harness.Start(t, map[string]string{
		"SMS_PROVIDER": "yunpian", "YUNPIAN_API_KEY": "test-api-key", "YUNPIAN_URL": vendor.server.URL + "/v2/sms/single_send.json",
	}, nil, harness.NewClock())
	mobile := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusCreated, `{"mobile": "`+mobile+`"}`)

	reqs, bodies := vendor.received()
	require.Len(t, reqs, 1)
	require.Equal(t, http.MethodPost, reqs[0].Method)
	require.Equal(t, "/v2/sms/single_send.json", reqs[0].URL.Path)
	require.Empty(t, reqs[0].URL.RawQuery)
	require.Equal(t, "application/x-www-form-urlencoded", reqs[0].Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(bodies[0]))
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"apikey", "mobile", "text"}, keys(form), "exactly the documented fields")
	require.Equal(t, "test-api-key", form.Get("apikey"))
	require.Equal(t, mobile, form.Get("mobile"))
	code := harness.CodePattern.FindString(form.Get("text"))
	require.NotEmpty(t, code)
	h.AddSecrets(code, "test-api-key")

	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "correct horse"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string), "correct horse")
	token := h.Login(mobile, "correct horse")
	require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).Status)
}

func TestYunpianRefusalAndOutage(t *testing.T) {
	t.Parallel()
	vendor := newFakeVendor(t, http.StatusBadRequest, `{"http_status_code": 400, "code": 2, "msg": "请求参数格式错误", "detail": "参数 mobile 格式不正确"}`)
	h := harness.Start(t, map[string]string{"SMS_PROVIDER": "yunpian", "YUNPIAN_API_KEY": "k", "YUNPIAN_URL": vendor.server.URL}, nil, harness.NewClock())
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}), http.StatusBadRequest, `{"mobile": ["请求参数格式错误"]}`)

	vendor.mu.Lock()
	vendor.status, vendor.answer = http.StatusBadGateway, "<html>bad gateway</html>"
	vendor.mu.Unlock()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}), http.StatusServiceUnavailable, `{"detail": "SMS service unavailable, try again later."}`)
}

// With SMS_PROVIDER=yunpian,webhook an unavailable YunPian fails over to the webhook,
// which receives the same single code, signed.
func TestFailoverToWebhook(t *testing.T) {
	t.Parallel()
	yunpian := newFakeVendor(t, http.StatusServiceUnavailable, "")
	webhook := newFakeVendor(t, http.StatusOK, `{}`)
	h := harness.Start(t, map[string]string{
		"SMS_PROVIDER":    "yunpian,webhook",
		"YUNPIAN_API_KEY": "k", "YUNPIAN_URL": yunpian.server.URL,
		"SMS_WEBHOOK_URL": webhook.server.URL, "SMS_WEBHOOK_SECRET": "webhook-secret", "SMS_WEBHOOK_LEGACY_SIGNATURE": "true",
	}, nil, harness.NewClock())
	mobile := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusCreated, `{"mobile": "`+mobile+`"}`)

	ypReqs, _ := yunpian.received()
	require.Len(t, ypReqs, 1)
	reqs, bodies := webhook.received()
	require.Len(t, reqs, 1)
	require.True(t, sms.VerifyWebhookSignature("webhook-secret", bodies[0], reqs[0].Header.Get(sms.SignatureHeader)), "the legacy header, as before")
	require.NoError(t, sms.VerifyWebhook("whsec_"+base64.StdEncoding.EncodeToString([]byte("webhook-secret")), reqs[0].Header, bodies[0], time.Now()), "and Standard Webhooks")
	var msg struct{ Mobile, Text string }
	require.NoError(t, json.Unmarshal(bodies[0], &msg))
	require.Equal(t, mobile, msg.Mobile)
	code := harness.CodePattern.FindString(msg.Text)
	h.AddSecrets(code)

	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "correct horse"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string), "correct horse")
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}
