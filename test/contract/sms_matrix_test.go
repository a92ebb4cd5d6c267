package contract_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
	"github.com/phoneauth/phoneauth/test/harness"
)

const yunpianPath = "/v2/sms/single_send.json"

// TestSMSSender runs the SMS contract against every provider.
func TestSMSSender(t *testing.T) {
	implementations := map[string]func(t *testing.T) contract.SMSHarness{
		"console": func(t *testing.T) contract.SMSHarness {
			var log harness.SyncBuffer
			return contract.SMSHarness{
				Sender:    sms.NewConsole(slog.New(slog.NewJSONHandler(&log, nil))),
				Delivered: func() []contract.Message { return consoleMessages(t, log.String()) },
			}
		},
		"fake": func(t *testing.T) contract.SMSHarness {
			f := sms.NewFake()
			delivered := func() []contract.Message {
				var out []contract.Message
				for _, m := range f.Outbox() {
					out = append(out, contract.Message{Mobile: m.Mobile, Text: m.Text})
				}
				return out
			}
			return contract.SMSHarness{Sender: f, Delivered: delivered, Refuse: f.Refuse, BeUnavailable: f.BeUnavailable}
		},
		"yunpian": func(t *testing.T) contract.SMSHarness {
			v := newFakeYunpian(t)
			return contract.SMSHarness{Sender: v.sender(time.Second), Delivered: v.delivered, Refuse: v.refuse, BeUnavailable: v.beUnavailable}
		},
		"aliyun": aliyunHarness,
		"webhook": func(t *testing.T) contract.SMSHarness {
			v := newFakeWebhook(t)
			return contract.SMSHarness{Sender: v.sender(), Delivered: v.delivered, Refuse: v.refuse, BeUnavailable: v.beUnavailable}
		},
		"tencent": func(t *testing.T) contract.SMSHarness {
			v := newFakeTencent(t)
			return contract.SMSHarness{Sender: v.sender(), Delivered: v.delivered, Refuse: v.refuse, BeUnavailable: v.beUnavailable, Templated: true}
		},
		"twilio": twilioHarness,
		// SMS_ROUTES=CN:yunpian,twilio;*:webhook with YunPian down.
		"routes": routesHarness,
		// SMS_WEBHOOK_LEGACY_SIGNATURE=true with the plain secret of existing deployments.
		"webhook-legacy": func(t *testing.T) contract.SMSHarness {
			v := startFakeWebhook(t, true)
			return contract.SMSHarness{Sender: v.sender(), Delivered: v.delivered, Refuse: v.refuse, BeUnavailable: v.beUnavailable}
		},
		// YunPian is down, so the webhook delivers; YunPian's refusals end the attempt.
		"failover": func(t *testing.T) contract.SMSHarness {
			yp, wh := newFakeYunpian(t), newFakeWebhook(t)
			yp.beUnavailable()
			return contract.SMSHarness{
				Sender:    sms.NewFailover(yp.sender(time.Second), wh.sender()),
				Delivered: func() []contract.Message { return append(yp.delivered(), wh.delivered()...) },
				Refuse:    yp.refuse,
				BeUnavailable: func() {
					yp.beUnavailable()
					wh.beUnavailable()
				},
			}
		},
	}
	for name, newHarness := range implementations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			contract.SMSSender(t, newHarness)
		})
	}
}

func TestFailoverDeliversThroughTheWebhookWhenYunpianIsDown(t *testing.T) {
	yp, wh := newFakeYunpian(t), newFakeWebhook(t)
	yp.beUnavailable()

	require.NoError(t, sms.NewFailover(yp.sender(time.Second), wh.sender()).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}))
	assert.Len(t, yp.received(), 1, "YunPian was tried first")
	assert.Equal(t, []contract.Message{{Mobile: "13800000000", Text: "code 123456"}}, wh.delivered())
}

func TestFailoverNeverPassesARefusalOn(t *testing.T) {
	yp, wh := newFakeYunpian(t), newFakeWebhook(t)
	yp.refuse("手机号码格式错误")

	err := sms.NewFailover(yp.sender(time.Second), wh.sender()).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"})
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Empty(t, wh.received(), "the webhook was never called")
}

func TestYunpianTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // longer than the provider waits
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	y := sms.NewYunpian(sms.YunpianConfig{APIKey: "key-0123456789", URL: srv.URL + yunpianPath, Timeout: 100 * time.Millisecond})
	start := time.Now()
	err := y.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "the time-out, not the server, ended the request")
	assertNoSecrets(t, err, "key-0123456789", "123456")
}

func TestYunpianAnswers(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    error
		refusal string
	}{
		{"success", 200, `{"code":0,"msg":"发送成功","count":1,"fee":0.05,"unit":"RMB","mobile":"13800000000","sid":123}`, nil, ""},
		{"refusal with HTTP 400", 400, `{"http_status_code":400,"code":2,"msg":"请求参数格式错误","detail":"参数 mobile 格式不正确"}`, domain.ErrSMSRefused, "请求参数格式错误"},
		{"refusal with HTTP 200", 200, `{"code":22,"msg":"验证码类短信1小时内同一手机号发送次数不能超过3次"}`, domain.ErrSMSRefused, "验证码类短信1小时内同一手机号发送次数不能超过3次"},
		{"HTTP 500", 500, `Internal Server Error`, domain.ErrSMSUnavailable, ""},
		{"HTTP 502 with success JSON", 502, `{"code":0}`, domain.ErrSMSUnavailable, ""},
		{"HTTP 503 with refusal JSON", 503, `{"code":2,"msg":"busy"}`, domain.ErrSMSUnavailable, ""},
		{"non-JSON 200", 200, `<html>maintenance</html>`, domain.ErrSMSUnavailable, ""},
		{"empty 200", 200, ``, domain.ErrSMSUnavailable, ""},
		{"JSON 200 without code", 200, `{"msg":"ok"}`, domain.ErrSMSUnavailable, ""},
		{"JSON with a string code", 200, `{"code":"0"}`, domain.ErrSMSUnavailable, ""},
		{"non-zero code without msg", 400, `{"code":2}`, domain.ErrSMSUnavailable, ""},
		{"code 0 with HTTP 400", 400, `{"code":0,"msg":"?"}`, domain.ErrSMSUnavailable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json;charset=utf-8")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)

			err := sms.NewYunpian(sms.YunpianConfig{APIKey: "key-0123456789", URL: srv.URL + yunpianPath}).
				Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"})
			assertSendOutcome(t, err, tc.want, tc.refusal, "key-0123456789", "123456")
		})
	}
}

func TestYunpianConnectionErrorIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	err := sms.NewYunpian(sms.YunpianConfig{APIKey: "key-0123456789", URL: srv.URL + yunpianPath}).
		Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assertNoSecrets(t, err, "key-0123456789", "123456")
}

func TestYunpianSendsTheAPIKeyOnlyInTheBody(t *testing.T) {
	v := newFakeYunpian(t)
	require.NoError(t, v.sender(time.Second).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}))

	reqs := v.received()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, yunpianPath, r.url.Path)
	assert.Empty(t, r.url.RawQuery)
	assert.NotContains(t, r.url.String(), v.apiKey)
	for name, values := range r.header {
		for _, value := range values {
			assert.NotContains(t, value, v.apiKey, "header %s", name)
		}
	}
	assert.Contains(t, string(r.body), "apikey="+v.apiKey)
}

// assertSendOutcome checks a send's error against a vendor answer's case: no error when want
// is nil; else want, and a refusal carrying the vendor's message exactly when refusal is set
// (and no refusal, but unavailability, otherwise). The error names none of the secrets.
func assertSendOutcome(t *testing.T, err, want error, refusal string, secrets ...string) {
	t.Helper()
	if want == nil {
		require.NoError(t, err)
		return
	}
	require.ErrorIs(t, err, want)
	if refusal != "" {
		assert.NotErrorIs(t, err, domain.ErrSMSUnavailable)
		var de *domain.Error
		require.ErrorAs(t, err, &de)
		assert.Equal(t, refusal, de.Param())
	} else {
		assert.NotErrorIs(t, err, domain.ErrSMSRefused)
	}
	assertNoSecrets(t, err, secrets...)
}

// assertNoSecrets checks an error string, which will be logged, for the API key and the code.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, err.Error(), s)
	}
}

// vendorMode is how a fake vendor answers.
type vendorMode int

const (
	accepting vendorMode = iota
	refusing
	down
)

// request is what a fake vendor received.
type request struct {
	url    *url.URL
	header http.Header
	body   []byte
}

// fakeVendor is the bookkeeping both fake vendors share.
type fakeVendor struct {
	srv      *httptest.Server
	mu       sync.Mutex
	mode     vendorMode
	refusal  string
	requests []request
	accepted []contract.Message
}

func (v *fakeVendor) record(t *testing.T, r *http.Request) (request, vendorMode, string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request: %v", err)
	}
	req := request{url: r.URL, header: r.Header.Clone(), body: body}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requests = append(v.requests, req)
	return req, v.mode, v.refusal
}

func (v *fakeVendor) accept(m contract.Message) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.accepted = append(v.accepted, m)
}

func (v *fakeVendor) delivered() []contract.Message {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.accepted)
}

func (v *fakeVendor) received() []request {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.requests)
}

func (v *fakeVendor) refuse(msg string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.mode, v.refusal = refusing, msg
}

func (v *fakeVendor) beUnavailable() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.mode = down
}

// fakeYunpian imitates YunPian's single-send API (CONTRACT §4) and checks the form it is sent.
type fakeYunpian struct {
	fakeVendor
	apiKey string
}

func newFakeYunpian(t *testing.T) *fakeYunpian {
	v := &fakeYunpian{apiKey: "yp-" + strings.Repeat("0123456789abcdef", 2)}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, mode, refusal := v.record(t, r)
		form, err := url.ParseQuery(string(req.body))
		switch {
		case r.Method != http.MethodPost || r.URL.Path != yunpianPath:
			t.Errorf("YunPian got %s %s", r.Method, r.URL.Path)
		case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
			t.Errorf("YunPian got Content-Type %q", r.Header.Get("Content-Type"))
		case err != nil:
			t.Errorf("YunPian got a body that is not a form: %v", err)
		case len(form) != 3 || len(form["apikey"]) != 1 || len(form["mobile"]) != 1 || len(form["text"]) != 1:
			t.Errorf("YunPian wants exactly one apikey, mobile and text, got fields %v", slices.Sorted(maps.Keys(form)))
		case form.Get("apikey") != v.apiKey:
			t.Errorf("YunPian got a wrong API key")
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		switch mode {
		case down:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		case refusing:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(t, w, map[string]any{"http_status_code": 400, "code": 2, "msg": refusal, "detail": "参数 mobile 格式不正确"})
		default:
			v.accept(contract.Message{Mobile: form.Get("mobile"), Text: form.Get("text")})
			writeJSON(t, w, map[string]any{"code": 0, "msg": "发送成功", "count": 1, "fee": 0.05, "unit": "RMB", "mobile": form.Get("mobile"), "sid": 123})
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *fakeYunpian) sender(timeout time.Duration) *sms.Yunpian {
	return sms.NewYunpian(sms.YunpianConfig{APIKey: v.apiKey, URL: v.srv.URL + yunpianPath, Timeout: timeout, Client: v.srv.Client()})
}

// fakeWebhook is an operator's SMS gateway that checks each request's Standard Webhooks
// signature, or with legacy the deprecated X-Phoneauth-Signature.
type fakeWebhook struct {
	fakeVendor
	t      *testing.T
	secret string
	legacy bool
}

func newFakeWebhook(t *testing.T) *fakeWebhook { return startFakeWebhook(t, false) }

func startFakeWebhook(t *testing.T, legacy bool) *fakeWebhook {
	v := &fakeWebhook{t: t, secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("webhook-secret, 32 bytes long...")), legacy: legacy}
	if legacy {
		v.secret = "webhook-secret"
	}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, mode, refusal := v.record(t, r)
		if legacy && !sms.VerifyWebhookSignature(v.secret, req.body, r.Header.Get(sms.SignatureHeader)) {
			t.Errorf("webhook got a bad legacy signature %q", r.Header.Get(sms.SignatureHeader))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err := sms.VerifyWebhook(v.secret, r.Header, req.body, time.Now()); !legacy && err != nil {
			t.Errorf("webhook got a bad signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m struct{ Mobile, Text string }
		dec := json.NewDecoder(bytes.NewReader(req.body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			t.Errorf("webhook got a body that is not {mobile, text}: %v", err)
		}
		switch mode {
		case down:
			w.WriteHeader(http.StatusServiceUnavailable)
		case refusing:
			w.WriteHeader(http.StatusUnprocessableEntity)
			writeJSON(t, w, map[string]string{"detail": refusal})
		default:
			v.accept(contract.Message{Mobile: m.Mobile, Text: m.Text})
			writeJSON(t, w, map[string]bool{"ok": true})
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *fakeWebhook) sender() *sms.Webhook {
	wh, err := sms.NewWebhook(sms.WebhookConfig{URL: v.srv.URL + "/sms", Secret: v.secret, LegacySignature: v.legacy, Timeout: time.Second, Client: v.srv.Client()})
	require.NoError(v.t, err)
	return wh
}

func writeJSON(t *testing.T, w io.Writer, v any) {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("writing answer: %v", err)
	}
}

// consoleMessages reads the messages back from the console provider's JSON log lines.
func consoleMessages(t *testing.T, log string) []contract.Message {
	var out []contract.Message
	dec := json.NewDecoder(strings.NewReader(log))
	for dec.More() {
		var line struct{ Mobile, Text string }
		require.NoError(t, dec.Decode(&line))
		out = append(out, contract.Message{Mobile: line.Mobile, Text: line.Text})
	}
	return out
}
