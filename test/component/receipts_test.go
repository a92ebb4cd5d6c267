package component_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/test/harness"
)

// A vendor's delivery receipts, at POST /sms/receipts/<provider>/, are read by that
// provider's reader through the whole application: counted by status in
// phoneauth_sms_delivery_total and answered as the vendor expects; a forged one is 403 and
// counts nothing; a provider that is not configured has no endpoint.
func TestDeliveryReceiptsAreCounted(t *testing.T) {
	t.Parallel()
	const token = "receipt-token-0123456789"
	h := harness.Start(t, map[string]string{
		"SMS_PROVIDER": "aliyun", "ALIYUN_ACCESS_KEY_ID": "id", "ALIYUN_ACCESS_KEY_SECRET": "secret",
		"ALIYUN_SIGN_NAME": "shop", "ALIYUN_TEMPLATE_CODE": "SMS_71390007", "ALIYUN_URL": "http://127.0.0.1:9/",
		"ALIYUN_RECEIPT_TOKEN": token, "SMS_NOTIFY_MOBILE_CHANGED": "false",
	}, nil, harness.NewClock())
	report := `[{"phone_number":"13811110000","success":true,"err_code":"DELIVERED","biz_id":"1"},
		{"phone_number":"13811110001","success":false,"err_code":"MK:0001","biz_id":"2"},
		{"phone_number":"13811110002","success":true,"err_code":"DELIVERED","biz_id":"3"}]`
	post := func(path string) harness.Response {
		return h.Request(http.MethodPost, path, report, "Content-Type", "application/json")
	}

	r := post("/sms/receipts/aliyun/?token=" + token)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.JSONEq(t, `{"code":0,"msg":"接收成功"}`, string(r.Body))
	require.Equal(t, 2.0, h.Metric("phoneauth_sms_delivery_total", `provider="aliyun",status="delivered"`))
	require.Equal(t, 1.0, h.Metric("phoneauth_sms_delivery_total", `provider="aliyun",status="failed"`))

	harness.Expect(t, post("/sms/receipts/aliyun/?token=forged-token-0123456789"), http.StatusForbidden,
		`{"detail": "Not a delivery receipt of this provider."}`)
	require.Equal(t, 2.0, h.Metric("phoneauth_sms_delivery_total", `provider="aliyun",status="delivered"`))
	require.Contains(t, h.Log(), "delivery receipt refused")

	harness.Expect(t, post("/sms/receipts/yunpian/"), http.StatusNotFound, `{"detail": "Not found."}`)
}

// Twilio's status callbacks are judged by X-Twilio-Signature over the public callback URL
// and the posted parameters, keyed with the auth token.
func TestTwilioStatusCallbacksAreCounted(t *testing.T) {
	t.Parallel()
	const callback = "https://auth.shop.example/sms/receipts/twilio/"
	h := harness.Start(t, map[string]string{
		"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "auth-token",
		"TWILIO_FROM": "+15005550006", "TWILIO_URL": "http://127.0.0.1:9/", "TWILIO_STATUS_CALLBACK_URL": callback,
	}, nil, harness.NewClock())
	post := func(params url.Values, signature string) harness.Response {
		return h.Request(http.MethodPost, "/sms/receipts/twilio/", params.Encode(),
			"Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", signature)
	}
	for _, status := range []string{"sent", "delivered", "undelivered"} {
		params := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {status}, "To": {"+8613800138000"}}
		r := post(params, sms.TwilioSignature("auth-token", callback, params))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	for status, want := range map[string]float64{"sent": 1, "delivered": 1, "failed": 1} {
		require.Equal(t, want, h.Metric("phoneauth_sms_delivery_total", `provider="twilio",status="`+status+`"`), status)
	}

	params := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}}
	signed := sms.TwilioSignature("auth-token", callback, params)
	params.Set("MessageStatus", "failed") // tampered after signing
	require.Equal(t, http.StatusForbidden, post(params, signed).Status)
	require.Equal(t, 1.0, h.Metric("phoneauth_sms_delivery_total", `provider="twilio",status="failed"`))
}
