package sms

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// TestAliyunSignatureMatchesThePublishedExample reproduces the worked example of Aliyun's
// SMS documentation ("HTTP协议及签名", help.aliyun.com/document_detail/56189.html, and
// "签名机制", help.aliyun.com/document_detail/101343.htm): SendSms by GET with AccessKeyId
// testId, AccessKeySecret testSecret, the nonce and timestamp below, whose signature is
// published as zJDF+Lrzhj/ThnlvIToysFRq6t4=.
func TestAliyunSignatureMatchesThePublishedExample(t *testing.T) {
	a := NewAliyun(AliyunConfig{AccessKeyID: "testId", AccessKeySecret: "testSecret"})
	params := map[string]string{
		"Action":        "SendSms",
		"Version":       "2017-05-25",
		"RegionId":      "cn-hangzhou",
		"PhoneNumbers":  "15300000001",
		"SignName":      "阿里云短信测试专用",
		"TemplateParam": `{"customer":"test"}`,
		"TemplateCode":  "SMS_71390007",
		"OutId":         "123",
		"Format":        "XML",
	}
	at := time.Date(2017, 7, 12, 2, 42, 19, 0, time.UTC)
	got := a.signedQuery(http.MethodGet, params, at, "45e25e9b-0a6f-4070-8c85-2956eda1b466")

	const published = "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
	const canonical = "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
	assert.Equal(t, canonical+"&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D", got)
	assert.Equal(t, "zJDF+Lrzhj/ThnlvIToysFRq6t4=", aliyunSignature("testSecret", http.MethodGet, canonical))
	pub, err := url.ParseQuery(published)
	require.NoError(t, err)
	ours, err := url.ParseQuery(got)
	require.NoError(t, err)
	assert.Equal(t, pub, ours, "the same request as the published URL")
}

func TestPercentEncodeFollowsAliyunsRules(t *testing.T) {
	for in, want := range map[string]string{
		"AZaz09-_.~": "AZaz09-_.~",
		"a b":        "a%20b",
		"a+b*c":      "a%2Bb%2Ac",
		"/":          "%2F",
		"é":          "%C3%A9",
		`{"x":"1"}`:  "%7B%22x%22%3A%221%22%7D",
	} {
		assert.Equal(t, want, percentEncode(in), in)
	}
}

// aliyunRecorder is a vendor that answers OK and keeps the form of each request.
type aliyunRecorder struct {
	srv   *httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

func newAliyunRecorder(t *testing.T) *aliyunRecorder {
	v := &aliyunRecorder{}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(b))
		assert.NoError(t, err)
		v.mu.Lock()
		v.forms = append(v.forms, form)
		v.mu.Unlock()
		_, _ = io.WriteString(w, `{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}`)
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *aliyunRecorder) sent() []url.Values {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]url.Values(nil), v.forms...)
}

func testAliyun(v *aliyunRecorder, templates map[ports.SMSKind]string) *Aliyun {
	a := NewAliyun(AliyunConfig{AccessKeyID: "LTAI-id", AccessKeySecret: "secret-0123456789", SignName: "慕学生鲜",
		Template: "SMS_100", Templates: templates, URL: v.srv.URL + "/", Client: v.srv.Client()})
	a.now = func() time.Time { return time.Date(2026, 12, 2, 1, 2, 3, 0, time.FixedZone("CST", 8*3600)) }
	a.nonce = func() (string, error) { return "nonce-1", nil }
	return a
}

func TestAliyunSendsTheSignedSendSmsRequest(t *testing.T) {
	v := newAliyunRecorder(t)
	a := testAliyun(v, nil)
	require.NoError(t, a.Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "free text is not sent",
		Kind: ports.CodeFor(domain.PurposeRegister), Code: "123456"}))

	forms := v.sent()
	require.Len(t, forms, 1)
	f := forms[0]
	sig := f.Get("Signature")
	f.Del("Signature")
	assert.Equal(t, url.Values{
		"AccessKeyId": {"LTAI-id"}, "Action": {"SendSms"}, "Format": {"JSON"}, "PhoneNumbers": {"85291234567"},
		"RegionId": {"cn-hangzhou"}, "SignName": {"慕学生鲜"}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureNonce": {"nonce-1"}, "SignatureVersion": {"1.0"}, "TemplateCode": {"SMS_100"},
		"TemplateParam": {`{"code":"123456"}`}, "Timestamp": {"2026-12-01T17:02:03Z"}, "Version": {"2017-05-25"},
	}, f, "the template parameter is the code alone; the timestamp is UTC")
	assert.Equal(t, aliyunSignature("secret-0123456789", http.MethodPost, canonicalQuery(flat(f))), sig, "signed as a POST")
}

func flat(v url.Values) map[string]string {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m
}

func TestAliyunChoosesTheTemplateOfEachKind(t *testing.T) {
	all := map[ports.SMSKind]string{
		ports.CodeFor(domain.PurposeLogin):         "SMS_201",
		ports.CodeFor(domain.PurposeResetPassword): "SMS_202",
		ports.CodeFor(domain.PurposeChangeMobile):  "SMS_203",
		ports.NoticeRegistered:                     "SMS_301",
		ports.NoticeUnknown:                        "SMS_302",
		ports.NoticeMobileChanged:                  "SMS_303",
	}
	cases := []struct {
		name      string
		templates map[ports.SMSKind]string
		kind      ports.SMSKind
		want      string // "" for no request at all
	}{
		{"register: the default", all, ports.CodeFor(domain.PurposeRegister), "SMS_100"},
		{"login", all, ports.CodeFor(domain.PurposeLogin), "SMS_201"},
		{"reset_password", all, ports.CodeFor(domain.PurposeResetPassword), "SMS_202"},
		{"change_mobile", all, ports.CodeFor(domain.PurposeChangeMobile), "SMS_203"},
		{"login without its own: the default", nil, ports.CodeFor(domain.PurposeLogin), "SMS_100"},
		{"empty template code counts as none", map[ports.SMSKind]string{ports.CodeFor(domain.PurposeLogin): ""}, ports.CodeFor(domain.PurposeLogin), "SMS_100"},
		{"notice registered", all, ports.NoticeRegistered, "SMS_301"},
		{"notice unknown", all, ports.NoticeUnknown, "SMS_302"},
		{"notice mobile changed", all, ports.NoticeMobileChanged, "SMS_303"},
		{"notice without its own: none", nil, ports.NoticeUnknown, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newAliyunRecorder(t)
			msg := ports.SMS{Mobile: "13800000000", Text: "text", Kind: tc.kind}
			if !tc.kind.IsNotice() {
				msg.Code = "654321"
			}
			err := testAliyun(v, tc.templates).Send(context.Background(), msg)
			if tc.want == "" {
				require.ErrorIs(t, err, domain.ErrSMSUnavailable, "a failover chain may send it through a free-text provider")
				assert.Empty(t, v.sent())
				return
			}
			require.NoError(t, err)
			require.Len(t, v.sent(), 1)
			f := v.sent()[0]
			assert.Equal(t, tc.want, f.Get("TemplateCode"))
			if tc.kind.IsNotice() {
				assert.NotContains(t, f, "TemplateParam", "a notice has no code")
			} else {
				assert.Equal(t, `{"code":"654321"}`, f.Get("TemplateParam"))
			}
		})
	}
}

func TestAliyunRefusesToSendACodeMessageWithoutACode(t *testing.T) {
	v := newAliyunRecorder(t)
	err := testAliyun(v, nil).Send(context.Background(), ports.SMS{Mobile: "13800000000", Kind: ports.CodeFor(domain.PurposeLogin)})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assert.Empty(t, v.sent())
}

func TestAliyunReadsReceipts(t *testing.T) {
	a := NewAliyun(AliyunConfig{ReceiptToken: "receipt-token-0123456789"})
	const body = `[
	  {"phone_number":"13811110000","send_time":"2017-01-01 00:00:00","report_time":"2017-01-01 00:00:00","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"12345^0","out_id":"67890"},
	  {"phone_number":"13811110001","send_time":"2017-01-01 00:00:00","report_time":"2017-01-01 00:00:05","success":false,"err_code":"MK:0001","err_msg":"用户关机","sms_size":"1","biz_id":"12346^0","out_id":""}
	]`
	header := http.Header{"Content-Type": {"application/json"}}
	statuses, answer, contentType, err := a.ReadReceipt(http.MethodPost, "/sms/receipts/aliyun/?token=receipt-token-0123456789", header, []byte(body))
	require.NoError(t, err)
	assert.Equal(t, []domain.DeliveryStatus{domain.DeliveryDelivered, domain.DeliveryFailed}, statuses)
	assert.JSONEq(t, `{"code":0,"msg":"接收成功"}`, string(answer))
	assert.Equal(t, "application/json", contentType)

	statuses, answer, _, err = a.ReadReceipt(http.MethodPost, "https://shop.example/sms/receipts/aliyun/?token=receipt-token-0123456789", header, []byte(`[]`))
	require.NoError(t, err, "an empty batch is answered too")
	assert.Empty(t, statuses)
	assert.NotEmpty(t, answer)
}

func TestAliyunRefusesForgedReceipts(t *testing.T) {
	const body = `[{"phone_number":"13811110000","success":true,"err_code":"DELIVERED","biz_id":"1"}]`
	for name, tc := range map[string]struct{ token, url string }{
		"no token":             {"receipt-token-0123456789", "/sms/receipts/aliyun/"},
		"wrong token":          {"receipt-token-0123456789", "/sms/receipts/aliyun/?token=receipt-token-0123456788"},
		"prefix of the token":  {"receipt-token-0123456789", "/sms/receipts/aliyun/?token=receipt-token"},
		"empty token":          {"receipt-token-0123456789", "/sms/receipts/aliyun/?token="},
		"token twice":          {"receipt-token-0123456789", "/sms/receipts/aliyun/?token=receipt-token-0123456789&token=x"},
		"no token configured":  {"", "/sms/receipts/aliyun/?token="},
		"unparsable URL":       {"receipt-token-0123456789", "%zz?token=receipt-token-0123456789"},
		"token in another key": {"receipt-token-0123456789", "/sms/receipts/aliyun/?Token=receipt-token-0123456789"},
	} {
		t.Run(name, func(t *testing.T) {
			a := NewAliyun(AliyunConfig{ReceiptToken: tc.token})
			statuses, answer, _, err := a.ReadReceipt(http.MethodPost, tc.url, nil, []byte(body))
			require.ErrorIs(t, err, ErrAliyunReceiptForged)
			require.ErrorIs(t, err, domain.ErrNotAuthenticated)
			assert.Empty(t, statuses)
			assert.Empty(t, answer)
		})
	}
}

func TestAliyunRefusesMalformedReceipts(t *testing.T) {
	a := NewAliyun(AliyunConfig{ReceiptToken: "receipt-token-0123456789"})
	const target = "/sms/receipts/aliyun/?token=receipt-token-0123456789"
	for name, tc := range map[string]struct{ method, body string }{
		"not JSON":                {http.MethodPost, `<xml/>`},
		"empty":                   {http.MethodPost, ``},
		"an object":               {http.MethodPost, `{"phone_number":"13811110000","success":true}`},
		"null":                    {http.MethodPost, `null`},
		"a report without flag":   {http.MethodPost, `[{"phone_number":"13811110000","err_code":"DELIVERED"}]`},
		"success as a string":     {http.MethodPost, `[{"phone_number":"13811110000","success":"true"}]`},
		"one good, one bad":       {http.MethodPost, `[{"success":true},{"success":null}]`},
		"GET":                     {http.MethodGet, `[{"success":true}]`},
		"truncated":               {http.MethodPost, `[{"success":true}`},
		"array of something else": {http.MethodPost, `[1,2]`},
	} {
		t.Run(name, func(t *testing.T) {
			statuses, answer, _, err := a.ReadReceipt(tc.method, target, nil, []byte(tc.body))
			require.ErrorIs(t, err, ErrAliyunReceiptMalformed)
			assert.NotErrorIs(t, err, domain.ErrNotAuthenticated)
			assert.Empty(t, statuses)
			assert.Empty(t, answer)
		})
	}
}
