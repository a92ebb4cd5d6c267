package contract_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

const aliyunSecret = "aliyun-secret-0123456789abcdef"

// aliyunHarness runs the contract against Aliyun. A template vendor sends no free text, so
// the contract's text travels as the code, the template's only parameter (which puts every
// awkward character through the JSON, the form and the signature), and the fake vendor
// reports the code it got as the text delivered.
func aliyunHarness(t *testing.T) contract.SMSHarness {
	v := newFakeAliyun(t)
	return contract.SMSHarness{Sender: asCode{v.sender(time.Second)}, Delivered: v.delivered, Refuse: v.refuse, BeUnavailable: v.beUnavailable}
}

// asCode sends a message's text as the code of a registration.
type asCode struct{ ports.SMSSender }

func (s asCode) Send(ctx context.Context, msg ports.SMS) error {
	msg.Kind, msg.Code = ports.CodeFor(domain.PurposeRegister), msg.Text
	return s.SMSSender.Send(ctx, msg)
}

// fakeAliyun imitates dysmsapi's SendSms: it checks the method, the path, the parameters
// and the signature, computed here independently of the adapter (Aliyun's documented recipe:
// form-encode, then + to %20, * to %2A, %7E to ~), and refuses a nonce used twice.
type fakeAliyun struct {
	fakeVendor
	nonces map[string]bool
}

func newFakeAliyun(t *testing.T) *fakeAliyun {
	v := &fakeAliyun{nonces: map[string]bool{}}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, mode, refusal := v.record(t, r)
		form, err := url.ParseQuery(string(req.body))
		want := map[string]string{"AccessKeyId": "LTAI5tTestKeyId", "Action": "SendSms", "Format": "JSON", "RegionId": "cn-hangzhou",
			"SignName": "慕学生鲜", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "TemplateCode": "SMS_123456789", "Version": "2017-05-25"}
		fields := []string{"PhoneNumbers", "Signature", "SignatureNonce", "TemplateParam", "Timestamp"}
		for k := range want {
			fields = append(fields, k)
		}
		var param struct{ Code string }
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "":
			t.Errorf("Aliyun got %s %s", r.Method, r.URL)
		case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
			t.Errorf("Aliyun got Content-Type %q", r.Header.Get("Content-Type"))
		case err != nil:
			t.Errorf("Aliyun got a body that is not a form: %v", err)
		case !slices.Equal(slices.Sorted(maps.Keys(form)), slices.Sorted(slices.Values(fields))):
			t.Errorf("Aliyun wants exactly %v, got %v", slices.Sorted(slices.Values(fields)), slices.Sorted(maps.Keys(form)))
		case !matches(form, want):
			t.Errorf("Aliyun got parameters %v", form)
		case form.Get("Signature") != independentSignature(http.MethodPost, form, aliyunSecret):
			t.Errorf("Aliyun got a bad signature")
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(t, w, map[string]string{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation."})
			return
		case !fresh(form.Get("Timestamp")):
			t.Errorf("Aliyun got Timestamp %q", form.Get("Timestamp"))
		case !v.firstUse(form.Get("SignatureNonce")):
			t.Errorf("Aliyun got SignatureNonce %q twice", form.Get("SignatureNonce"))
		case json.Unmarshal([]byte(form.Get("TemplateParam")), &param) != nil || form.Get("TemplateParam") != mustJSON(t, map[string]string{"code": param.Code}):
			t.Errorf("Aliyun wants TemplateParam {\"code\": ...} alone, got %q", form.Get("TemplateParam"))
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		switch mode {
		case down:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html><body>503 Service Temporarily Unavailable</body></html>")
		case refusing:
			writeJSON(t, w, map[string]string{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": refusal, "RequestId": "A1B2"})
		default:
			v.accept(contract.Message{Mobile: form.Get("PhoneNumbers"), Text: param.Code})
			writeJSON(t, w, map[string]string{"Code": "OK", "Message": "OK", "RequestId": "F655A8D5", "BizId": "900619746936498440^0"})
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *fakeAliyun) firstUse(nonce string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	used := v.nonces[nonce]
	v.nonces[nonce] = true
	return nonce != "" && !used
}

func (v *fakeAliyun) sender(timeout time.Duration) *sms.Aliyun {
	return sms.NewAliyun(sms.AliyunConfig{AccessKeyID: "LTAI5tTestKeyId", AccessKeySecret: aliyunSecret, SignName: "慕学生鲜",
		Template: "SMS_123456789", URL: v.srv.URL + "/", Timeout: timeout, Client: v.srv.Client()})
}

func matches(form url.Values, want map[string]string) bool {
	for k, v := range want {
		if form[k] == nil || len(form[k]) != 1 || form.Get(k) != v {
			return false
		}
	}
	return true
}

func fresh(timestamp string) bool {
	at, err := time.Parse("2006-01-02T15:04:05Z", timestamp)
	return err == nil && time.Since(at).Abs() < 15*time.Minute
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// independentSignature is Aliyun's RPC signature as its documentation writes it in Java.
func independentSignature(method string, form url.Values, secret string) string {
	enc := func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	}
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(form)) {
		if k != "Signature" {
			pairs = append(pairs, enc(k)+"="+enc(form.Get(k)))
		}
	}
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(method + "&" + enc("/") + "&" + enc(strings.Join(pairs, "&"))))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestAliyunAnswers(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    error
		refusal string
	}{
		{"success", 200, `{"Message":"OK","RequestId":"F655A8D5","Code":"OK","BizId":"900619746936498440^0"}`, nil, ""},
		{"illegal number", 200, `{"Message":"invalid mobile number","RequestId":"1","Code":"isv.MOBILE_NUMBER_ILLEGAL"}`, domain.ErrSMSRefused, "invalid mobile number"},
		{"number over its limit", 200, `{"Message":"触发小时级流控Permits:5","RequestId":"1","Code":"isv.BUSINESS_LIMIT_CONTROL"}`, domain.ErrSMSRefused, "触发小时级流控Permits:5"},
		{"blacklisted number", 200, `{"Message":"黑名单管控","Code":"isv.BLACK_KEY_CONTROL_LIMIT"}`, domain.ErrSMSRefused, "黑名单管控"},
		{"template missing parameters", 200, `{"Message":"模板缺少变量","Code":"isv.TEMPLATE_MISSING_PARAMETERS"}`, domain.ErrSMSRefused, "模板缺少变量"},
		{"illegal template", 200, `{"Message":"模板不合法","Code":"isv.SMS_TEMPLATE_ILLEGAL"}`, domain.ErrSMSRefused, "模板不合法"},
		{"illegal sign name", 200, `{"Message":"签名不合法","Code":"isv.SMS_SIGNATURE_ILLEGAL"}`, domain.ErrSMSRefused, "签名不合法"},
		{"refusal with HTTP 400", 400, `{"Message":"参数异常","Code":"isv.INVALID_PARAMETERS"}`, domain.ErrSMSRefused, "参数异常"},
		{"balance too low", 200, `{"Message":"账户余额不足","Code":"isv.AMOUNT_NOT_ENOUGH"}`, domain.ErrSMSUnavailable, ""},
		{"out of service", 200, `{"Message":"业务停机","Code":"isv.OUT_OF_SERVICE"}`, domain.ErrSMSUnavailable, ""},
		{"account-wide daily limit", 200, `{"Message":"触发日发送限额","Code":"isv.DAY_LIMIT_CONTROL"}`, domain.ErrSMSUnavailable, ""},
		{"permission denied", 200, `{"Message":"RAM权限DENY","Code":"isp.RAM_PERMISSION_DENY"}`, domain.ErrSMSUnavailable, ""},
		{"their system error", 200, `{"Message":"系统错误","Code":"isp.SYSTEM_ERROR"}`, domain.ErrSMSUnavailable, ""},
		{"bad signature", 400, `{"Message":"Specified signature is not matched with our calculation.","Code":"SignatureDoesNotMatch"}`, domain.ErrSMSUnavailable, ""},
		{"unknown access key", 404, `{"Message":"Specified access key is not found.","Code":"InvalidAccessKeyId.NotFound"}`, domain.ErrSMSUnavailable, ""},
		{"throttled", 400, `{"Message":"Request was denied due to user flow control.","Code":"Throttling.User"}`, domain.ErrSMSUnavailable, ""},
		{"an unknown code", 200, `{"Message":"?","Code":"isv.SOMETHING_NEW"}`, domain.ErrSMSUnavailable, ""},
		{"refusal code without a message", 200, `{"Code":"isv.MOBILE_NUMBER_ILLEGAL"}`, domain.ErrSMSUnavailable, ""},
		{"HTTP 500", 500, `Internal Server Error`, domain.ErrSMSUnavailable, ""},
		{"HTTP 502 with success JSON", 502, `{"Code":"OK","Message":"OK"}`, domain.ErrSMSUnavailable, ""},
		{"HTTP 503 with refusal JSON", 503, `{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"busy"}`, domain.ErrSMSUnavailable, ""},
		{"OK with HTTP 400", 400, `{"Code":"OK","Message":"OK"}`, domain.ErrSMSUnavailable, ""},
		{"non-JSON 200", 200, `<html>maintenance</html>`, domain.ErrSMSUnavailable, ""},
		{"XML 200", 200, `<?xml version='1.0' encoding='UTF-8'?><SendSmsResponse><Code>OK</Code></SendSmsResponse>`, domain.ErrSMSUnavailable, ""},
		{"empty 200", 200, ``, domain.ErrSMSUnavailable, ""},
		{"JSON 200 without Code", 200, `{"Message":"OK"}`, domain.ErrSMSUnavailable, ""},
		{"Code that is not a string", 200, `{"Code":0}`, domain.ErrSMSUnavailable, ""},
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

			err := sms.NewAliyun(sms.AliyunConfig{AccessKeyID: "LTAI5tTestKeyId", AccessKeySecret: aliyunSecret, SignName: "慕学生鲜",
				Template: "SMS_123456789", URL: srv.URL + "/"}).
				Send(context.Background(), ports.SMS{Mobile: "13800000000", Kind: ports.CodeFor(domain.PurposeLogin), Code: "123456"})
			assertSendOutcome(t, err, tc.want, tc.refusal, aliyunSecret, "123456")
		})
	}
}

func TestAliyunTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // longer than the provider waits
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	a := sms.NewAliyun(sms.AliyunConfig{AccessKeyID: "LTAI5tTestKeyId", AccessKeySecret: aliyunSecret, SignName: "慕学生鲜",
		Template: "SMS_123456789", URL: srv.URL + "/", Timeout: 100 * time.Millisecond})
	start := time.Now()
	err := a.Send(context.Background(), ports.SMS{Mobile: "13800000000", Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "the time-out, not the server, ended the request")
	assertNoSecrets(t, err, aliyunSecret, "123456")
}

func TestAliyunConnectionErrorIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	err := sms.NewAliyun(sms.AliyunConfig{AccessKeyID: "LTAI5tTestKeyId", AccessKeySecret: aliyunSecret, SignName: "慕学生鲜",
		Template: "SMS_123456789", URL: srv.URL + "/"}).
		Send(context.Background(), ports.SMS{Mobile: "13800000000", Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assertNoSecrets(t, err, aliyunSecret, "123456")
}

func TestAliyunSendsTheCodeOnlyInTheBodyAndNeverTheSecret(t *testing.T) {
	v := newFakeAliyun(t)
	require.NoError(t, v.sender(time.Second).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "your code is 123456",
		Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"}))

	reqs := v.received()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Empty(t, r.url.RawQuery)
	for name, values := range r.header {
		for _, value := range values {
			assert.NotContains(t, value, "123456", "header %s", name)
			assert.NotContains(t, value, aliyunSecret, "header %s", name)
		}
	}
	assert.NotContains(t, string(r.body), aliyunSecret)
	assert.NotContains(t, string(r.body), "your+code", "the free text is not sent")
	assert.Contains(t, string(r.body), "TemplateParam=%7B%22code%22%3A%22123456%22%7D")
}

func TestFailoverFromAliyunToYunpian(t *testing.T) {
	al, yp := newFakeAliyun(t), newFakeYunpian(t)
	al.beUnavailable()
	msg := ports.SMS{Mobile: "13800000000", Text: "code 123456", Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"}
	require.NoError(t, sms.NewFailover(al.sender(time.Second), yp.sender(time.Second)).Send(context.Background(), msg))
	assert.Len(t, al.received(), 1, "Aliyun was tried first")
	assert.Equal(t, []contract.Message{{Mobile: "13800000000", Text: "code 123456"}}, yp.delivered())

	al2, yp2 := newFakeAliyun(t), newFakeYunpian(t)
	al2.refuse("非法手机号")
	err := sms.NewFailover(al2.sender(time.Second), yp2.sender(time.Second)).Send(context.Background(), msg)
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Empty(t, yp2.received(), "a refusal is final")
}
