package component_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

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
