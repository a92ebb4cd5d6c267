package contract_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
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

// fakeTencent imitates Tencent Cloud SMS's SendSms (API 2021-01-11): it checks the method,
// path, headers and body, and verifies the TC3-HMAC-SHA256 signature by its own
// computation from the request it received.
type fakeTencent struct {
	fakeVendor
	secretID, secretKey, appID, sign, template string
	templates                                  map[ports.SMSKind]string
	params                                     [][]string // TemplateParamSet of each request
	templatesUsed                              []string
}

type tencentBody struct {
	PhoneNumberSet   []string
	SmsSdkAppId      string
	SignName         string
	TemplateId       string
	TemplateParamSet []string
}

func newFakeTencent(t *testing.T) *fakeTencent {
	v := &fakeTencent{secretID: "AKIDfake0123456789", secretKey: "tencent-secret-key-0123456789", appID: "1400006666",
		sign: "慕学生鲜", template: "1110",
		templates: map[ports.SMSKind]string{
			ports.CodeFor(domain.PurposeLogin): "2220", ports.CodeFor(domain.PurposeResetPassword): "3330",
			ports.CodeFor(domain.PurposeChangeMobile): "4440", ports.NoticeRegistered: "5550",
			ports.NoticeUnknown: "6660", ports.NoticeMobileChanged: "7770",
		}}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, mode, refusal := v.record(t, r)
		var b tencentBody
		dec := json.NewDecoder(bytes.NewReader(req.body))
		dec.DisallowUnknownFields()
		err := dec.Decode(&b)
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "":
			t.Errorf("Tencent got %s %s", r.Method, r.URL)
		case r.Header.Get("Content-Type") != "application/json; charset=utf-8":
			t.Errorf("Tencent got Content-Type %q", r.Header.Get("Content-Type"))
		case r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") != "ap-guangzhou":
			t.Errorf("Tencent got action %q, version %q, region %q", r.Header.Get("X-TC-Action"), r.Header.Get("X-TC-Version"), r.Header.Get("X-TC-Region"))
		case !v.signedCorrectly(t, r, req.body):
			t.Errorf("Tencent got a bad signature: %q", r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusOK)
			writeJSON(t, w, map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}, "RequestId": "r"}})
			return
		case err != nil:
			t.Errorf("Tencent got a body that is not SendSms's: %v", err)
		case len(b.PhoneNumberSet) != 1 || !strings.HasPrefix(b.PhoneNumberSet[0], "+"):
			t.Errorf("Tencent wants one E.164 number, got %q", b.PhoneNumberSet)
		case b.SmsSdkAppId != v.appID || b.SignName != v.sign:
			t.Errorf("Tencent got app %q, sign %q", b.SmsSdkAppId, b.SignName)
		}
		v.mu.Lock()
		v.params = append(v.params, b.TemplateParamSet)
		v.templatesUsed = append(v.templatesUsed, b.TemplateId)
		v.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch mode {
		case down:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
		case refusing:
			writeJSON(t, w, map[string]any{"Response": map[string]any{"SendStatusSet": []map[string]any{{
				"SerialNo": "", "PhoneNumber": b.PhoneNumberSet[0], "Fee": 0, "SessionContext": "",
				"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": refusal, "IsoCode": "CN"}}, "RequestId": "r"}})
		default:
			text := ""
			if len(b.TemplateParamSet) > 0 {
				text = b.TemplateParamSet[0]
			}
			v.accept(contract.Message{Mobile: strings.TrimPrefix(b.PhoneNumberSet[0], "+86"), Text: text})
			writeJSON(t, w, map[string]any{"Response": map[string]any{"SendStatusSet": []map[string]any{{
				"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": b.PhoneNumberSet[0], "Fee": 1,
				"SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}}, "RequestId": "r"}})
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

var tc3Header = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$`)

// signedCorrectly checks the Authorization header as Tencent documents it, written apart
// from the adapter's code.
func (v *fakeTencent) signedCorrectly(t *testing.T, r *http.Request, body []byte) bool {
	m := tc3Header.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || m[1] != v.secretID {
		return false
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		t.Errorf("Tencent got timestamp %q", r.Header.Get("X-TC-Timestamp"))
		return false
	}
	date := time.Unix(ts, 0).UTC().Format(time.DateOnly)
	if m[2] != date {
		return false
	}
	payload := sha256.Sum256(body)
	canonical := "POST\n/\n\ncontent-type:" + r.Header.Get("Content-Type") + "\nhost:" + r.Host + "\n\ncontent-type;host\n" + hex.EncodeToString(payload[:])
	hashed := sha256.Sum256([]byte(canonical))
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + date + "/sms/tc3_request\n" + hex.EncodeToString(hashed[:])
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	key := mac(mac(mac([]byte("TC3"+v.secretKey), date), "sms"), "tc3_request")
	return hmac.Equal([]byte(m[3]), []byte(hex.EncodeToString(mac(key, toSign))))
}

func (v *fakeTencent) config() sms.TencentConfig {
	return sms.TencentConfig{SecretID: v.secretID, SecretKey: v.secretKey, SDKAppID: v.appID, SignName: v.sign,
		Template: v.template, Templates: v.templates, URL: v.srv.URL, Timeout: time.Second, Client: v.srv.Client()}
}

func (v *fakeTencent) sender() *sms.Tencent { return sms.NewTencent(v.config()) }

func (v *fakeTencent) sent() (templates []string, params [][]string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.templatesUsed...), append([][]string(nil), v.params...)
}

func TestTencentChoosesTheTemplateOfEachKindWithTheCodeAlone(t *testing.T) {
	v := newFakeTencent(t)
	s := v.sender()
	code := func(p domain.Purpose) ports.SMS {
		return ports.SMS{Mobile: "13800138000", Text: "Your code is 246810", Kind: ports.CodeFor(p), Code: "246810"}
	}
	notice := func(k ports.SMSKind) ports.SMS { return ports.SMS{Mobile: "13800138000", Text: "a notice", Kind: k} }
	for _, msg := range []ports.SMS{
		code(domain.PurposeRegister), code(domain.PurposeLogin), code(domain.PurposeResetPassword), code(domain.PurposeChangeMobile),
		notice(ports.NoticeRegistered), notice(ports.NoticeUnknown), notice(ports.NoticeMobileChanged),
	} {
		require.NoError(t, s.Send(context.Background(), msg), msg.Kind)
	}
	templates, params := v.sent()
	assert.Equal(t, []string{"1110", "2220", "3330", "4440", "5550", "6660", "7770"}, templates)
	assert.Equal(t, [][]string{{"246810"}, {"246810"}, {"246810"}, {"246810"}, nil, nil, nil}, params,
		"the code and nothing else; notices take no parameter")
}

func TestTencentCodesWithoutATemplateOfTheirOwnUseTheDefault(t *testing.T) {
	v := newFakeTencent(t)
	cfg := v.config()
	cfg.Templates = nil
	require.NoError(t, sms.NewTencent(cfg).Send(context.Background(),
		ports.SMS{Mobile: "13800138000", Kind: ports.CodeFor(domain.PurposeLogin), Code: "135790"}))
	templates, params := v.sent()
	assert.Equal(t, []string{"1110"}, templates)
	assert.Equal(t, [][]string{{"135790"}}, params)
}

func TestTencentNeverSendsANoticeThroughTheCodeTemplate(t *testing.T) {
	v := newFakeTencent(t)
	cfg := v.config()
	cfg.Templates = nil
	err := sms.NewTencent(cfg).Send(context.Background(), ports.SMS{Mobile: "13800138000", Text: "a notice", Kind: ports.NoticeUnknown})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable, "the next provider may send it as text")
	assert.Empty(t, v.received())
}

func TestTencentSendsE164(t *testing.T) {
	v := newFakeTencent(t)
	cfg := v.config()
	s := sms.NewTencent(cfg)
	require.NoError(t, s.Send(context.Background(), ports.SMS{Mobile: "13800138000", Code: "1"}))
	require.NoError(t, s.Send(context.Background(), ports.SMS{Mobile: "+85251234567", Code: "1"}))
	cfg.E164 = func(m string) (string, bool) { return "+44" + strings.TrimPrefix(m, "0"), true }
	require.NoError(t, sms.NewTencent(cfg).Send(context.Background(), ports.SMS{Mobile: "07400123456", Code: "1"}))
	var got []string
	for _, r := range v.received() {
		var b tencentBody
		require.NoError(t, json.Unmarshal(r.body, &b))
		got = append(got, b.PhoneNumberSet...)
	}
	assert.Equal(t, []string{"+8613800138000", "+85251234567", "+447400123456"}, got)
}

func TestTencentSendsTheSecretKeyNowhere(t *testing.T) {
	v := newFakeTencent(t)
	require.NoError(t, v.sender().Send(context.Background(), ports.SMS{Mobile: "13800138000", Code: "123456"}))
	reqs := v.received()
	require.Len(t, reqs, 1)
	assert.NotContains(t, reqs[0].url.String(), v.secretKey)
	assert.NotContains(t, string(reqs[0].body), v.secretKey)
	for name, values := range reqs[0].header {
		for _, value := range values {
			assert.NotContains(t, value, v.secretKey, "header %s", name)
		}
	}
}

func TestTencentTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	s := sms.NewTencent(sms.TencentConfig{SecretID: "AKIDx", SecretKey: "key-0123456789", SDKAppID: "1400006666", Template: "1",
		URL: srv.URL, Timeout: 100 * time.Millisecond})
	start := time.Now()
	err := s.Send(context.Background(), ports.SMS{Mobile: "13800138000", Code: "123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assertNoSecrets(t, err, "key-0123456789", "123456")
}

func TestTencentConnectionErrorIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	err := sms.NewTencent(sms.TencentConfig{SecretID: "AKIDx", SecretKey: "key-0123456789", Template: "1", URL: srv.URL}).
		Send(context.Background(), ports.SMS{Mobile: "13800138000", Code: "123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assertNoSecrets(t, err, "key-0123456789", "123456")
}

func TestTencentAnswers(t *testing.T) {
	status := func(code, msg string) string {
		return `{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"SessionContext":"","Code":"` +
			code + `","Message":"` + msg + `","IsoCode":"CN"}],"RequestId":"a0aabda6"}}`
	}
	topError := func(code, msg string) string {
		return `{"Response":{"Error":{"Code":"` + code + `","Message":"` + msg + `"},"RequestId":"ed93f3cb"}}`
	}
	cases := []struct {
		name    string
		status  int
		body    string
		want    error
		refusal string
	}{
		{"sent", 200, status("Ok", "send success"), nil, ""},
		{"bad number", 200, status("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"), domain.ErrSMSRefused, "incorrect phone number"},
		{"blocked number", 200, status("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中"), domain.ErrSMSRefused, "手机号在免打扰名单库中"},
		{"daily limit of the number", 200, status("LimitExceeded.PhoneNumberDailyLimit", "the number of sms messages sent from a single mobile number every day exceeds the upper limit"), domain.ErrSMSRefused, "the number of sms messages sent from a single mobile number every day exceeds the upper limit"},
		{"thirty-second limit of the number", 200, status("LimitExceeded.PhoneNumberThirtySecondLimit", "30 秒内"), domain.ErrSMSRefused, "30 秒内"},
		{"template not approved", 200, status("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or request content does not match the approved template content"), domain.ErrSMSRefused, "template is not approved or request content does not match the approved template content"},
		{"refusal without a message", 200, status("FailedOperation.SignatureIncorrectOrUnapproved", ""), domain.ErrSMSRefused, "FailedOperation.SignatureIncorrectOrUnapproved"},
		{"template refused for the whole request", 200, topError("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved"), domain.ErrSMSRefused, "template is not approved"},
		{"bad signature", 200, topError("AuthFailure.SignatureFailure", "The provided credentials could not be validated."), domain.ErrSMSUnavailable, ""},
		{"unknown key", 200, topError("AuthFailure.SecretIdNotFound", "secret id not found"), domain.ErrSMSUnavailable, ""},
		{"API rate limit", 200, topError("RequestLimitExceeded", "too many requests"), domain.ErrSMSUnavailable, ""},
		{"out of credit", 200, status("FailedOperation.InsufficientBalanceInSmsPackage", "insufficient balance"), domain.ErrSMSUnavailable, ""},
		{"their time-out", 200, status("InternalError.Timeout", "timeout"), domain.ErrSMSUnavailable, ""},
		{"unknown code", 200, status("SomethingNew", "?"), domain.ErrSMSUnavailable, ""},
		{"error beside an Ok status", 200, `{"Response":{"Error":{"Code":"InternalError","Message":"x"},"SendStatusSet":[{"Code":"Ok"}]}}`, domain.ErrSMSUnavailable, ""},
		{"no send status", 200, `{"Response":{"SendStatusSet":[],"RequestId":"r"}}`, domain.ErrSMSUnavailable, ""},
		{"no Response", 200, `{"SendStatusSet":[{"Code":"Ok"}]}`, domain.ErrSMSUnavailable, ""},
		{"HTTP 500", 500, `Internal Server Error`, domain.ErrSMSUnavailable, ""},
		{"HTTP 502 with Ok JSON", 502, status("Ok", "send success"), domain.ErrSMSUnavailable, ""},
		{"HTTP 503 with a refusal", 503, status("InvalidParameterValue.IncorrectPhoneNumber", "x"), domain.ErrSMSUnavailable, ""},
		{"Ok with HTTP 400", 400, status("Ok", "send success"), domain.ErrSMSUnavailable, ""},
		{"non-JSON 200", 200, `<html>maintenance</html>`, domain.ErrSMSUnavailable, ""},
		{"empty 200", 200, ``, domain.ErrSMSUnavailable, ""},
		{"null", 200, `null`, domain.ErrSMSUnavailable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)

			err := sms.NewTencent(sms.TencentConfig{SecretID: "AKIDx", SecretKey: "key-0123456789", SDKAppID: "1400006666", Template: "1", URL: srv.URL}).
				Send(context.Background(), ports.SMS{Mobile: "13800138000", Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"})
			assertSendOutcome(t, err, tc.want, tc.refusal, "key-0123456789", "123456")
		})
	}
}
