package sms_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
)

const (
	receiptToken = "receipt-token-0123456789abcdef"
	receiptURL   = "https://shop.example/sms/receipts/tencent/?token=" + receiptToken
	// Tencent's documented callback: one request may carry several reports.
	receiptBody = `[{"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13800138000","report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"2019:1c8e5a1f"},` +
		`{"user_receive_time":"2015-10-17 08:03:05","nationcode":"86","mobile":"13800138001","report_status":"FAIL","errmsg":"MK:0001","description":"空号","sid":"2019:1c8e5a20"}]`
)

func receiptReader(token string) *sms.Tencent {
	return sms.NewTencent(sms.TencentConfig{SecretID: "AKIDx", SecretKey: "k", ReceiptToken: token})
}

func TestTencentReceiptsAreReadAndAnsweredAsTencentExpects(t *testing.T) {
	statuses, answer, contentType, err := receiptReader(receiptToken).
		ReadReceipt(http.MethodPost, receiptURL, http.Header{"Content-Type": {"application/json"}}, []byte(receiptBody))
	require.NoError(t, err)
	assert.Equal(t, []domain.DeliveryStatus{domain.DeliveryDelivered, domain.DeliveryFailed}, statuses)
	assert.JSONEq(t, `{"result":0,"errmsg":"OK"}`, string(answer))
	assert.Equal(t, "application/json", contentType)
}

func TestTencentEmptyReceiptIsNoStatus(t *testing.T) {
	statuses, _, _, err := receiptReader(receiptToken).ReadReceipt(http.MethodPost, receiptURL, nil, []byte(`[]`))
	require.NoError(t, err)
	assert.Empty(t, statuses)
}

func TestTencentForgedReceiptsAreRefused(t *testing.T) {
	for name, tc := range map[string]struct{ configured, url string }{
		"no token":               {receiptToken, "https://shop.example/sms/receipts/tencent/"},
		"wrong token":            {receiptToken, "https://shop.example/sms/receipts/tencent/?token=receipt-token-0123456789abcdeX"},
		"prefix of the token":    {receiptToken, "https://shop.example/sms/receipts/tencent/?token=receipt-token"},
		"token in another param": {receiptToken, "https://shop.example/sms/receipts/tencent/?t=" + receiptToken},
		"none configured":        {"", "https://shop.example/sms/receipts/tencent/?token="},
		"unparsable URL":         {receiptToken, "%zz?token=" + receiptToken},
	} {
		t.Run(name, func(t *testing.T) {
			statuses, answer, _, err := receiptReader(tc.configured).ReadReceipt(http.MethodPost, tc.url, nil, []byte(receiptBody))
			require.ErrorIs(t, err, sms.ErrTencentReceiptUnauthenticated)
			assert.Nil(t, statuses)
			assert.NotContains(t, string(answer), `"result":0`)
			assert.NotContains(t, err.Error(), receiptToken)
		})
	}
}

func TestTencentMalformedReceiptsAreRefused(t *testing.T) {
	for name, tc := range map[string]struct{ method, body string }{
		"GET":                  {http.MethodGet, receiptBody},
		"not JSON":             {http.MethodPost, `report_status=SUCCESS`},
		"an object":            {http.MethodPost, `{"report_status":"SUCCESS"}`},
		"null":                 {http.MethodPost, `null`},
		"empty":                {http.MethodPost, ``},
		"without a status":     {http.MethodPost, `[{"mobile":"13800138000","sid":"x"}]`},
		"unknown status":       {http.MethodPost, `[{"report_status":"DELIVRD"}]`},
		"status of wrong type": {http.MethodPost, `[{"report_status":true}]`},
		"one bad of two":       {http.MethodPost, `[{"report_status":"SUCCESS"},{"report_status":"success"}]`},
	} {
		t.Run(name, func(t *testing.T) {
			statuses, answer, _, err := receiptReader(receiptToken).ReadReceipt(tc.method, receiptURL, nil, []byte(tc.body))
			require.ErrorIs(t, err, sms.ErrTencentReceiptMalformed)
			assert.Nil(t, statuses)
			assert.NotContains(t, string(answer), `"result":0`)
			assert.NotContains(t, err.Error(), "13800138000", "numbers stay out of logs")
		})
	}
}
