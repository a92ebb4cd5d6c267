package sms_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
)

// The worked example of Twilio's request validation, as Twilio publishes it with its
// official Go helper library (github.com/twilio/twilio-go, client/request_validator_test.go;
// the same inputs as https://www.twilio.com/docs/usage/security): auth token 12345, the
// URL https://mycompany.com/myapp.php?foo=1&bar=2 and five POST parameters.
func TestTwilioSignatureReproducesThePublishedExample(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
	const fullURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	assert.Equal(t, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", sms.TwilioSignature("12345", fullURL, params))
	assert.True(t, sms.VerifyTwilioSignature("12345", fullURL, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="))
	assert.False(t, sms.VerifyTwilioSignature("12346", fullURL, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="))
	assert.False(t, sms.VerifyTwilioSignature("12345", fullURL+"&baz=3", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8="))
	assert.False(t, sms.VerifyTwilioSignature("12345", fullURL, params, ""))
}

// A second published vector, from Twilio's Ruby helper library
// (twilio/twilio-ruby, spec/util/request_validator_spec.rb): a real voice request.
func TestTwilioSignatureReproducesTheRubyLibraryExample(t *testing.T) {
	params := url.Values{}
	for k, v := range map[string]string{
		"ToState": "California", "CalledState": "California", "Direction": "inbound", "FromState": "CA",
		"AccountSid": "ACba8bc05eacf94afdae398e642c9cc32d", "Caller": "+14153595711", "CallerZip": "94108",
		"CallerCountry": "US", "From": "+14153595711", "FromCity": "SAN FRANCISCO", "CallerCity": "SAN FRANCISCO",
		"To": "+14157669926", "FromZip": "94108", "FromCountry": "US", "ToCity": "", "CallStatus": "ringing",
		"CalledCity": "", "CallerState": "CA", "CalledZip": "", "ToZip": "", "ToCountry": "US",
		"CallSid": "CA136d09cd59a3c0ec8dbff44da5c03f31", "CalledCountry": "US", "Called": "+14157669926",
		"ApiVersion": "2010-04-01", "ApplicationSid": "AP44efecad51364e80b133bb7c07eb8204",
	} {
		params.Set(k, v)
	}
	assert.Equal(t, "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=",
		sms.TwilioSignature("2bd9e9638872de601313dc77410d3b23", "http://twiliotests.heroku.com/validate/voice", params))
}

const callbackURL = "https://shop.example.com/sms/receipts/twilio/"

// signCallback signs a status callback as Twilio's documentation describes, apart from
// the package: the URL, then each parameter's name and value by name, HMAC-SHA1, base64.
func signCallback(token string, params [][2]string) string {
	s := callbackURL
	for _, p := range params { // given in order of name
		s += p[0] + p[1]
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func callback(status string) ([][2]string, []byte) {
	params := [][2]string{
		{"AccountSid", "AC0123"}, {"ApiVersion", "2010-04-01"}, {"From", "+15005550006"},
		{"MessageSid", "SM0123"}, {"MessageStatus", status}, {"SmsSid", "SM0123"}, {"SmsStatus", status}, {"To", "+8613800138000"},
	}
	form := url.Values{}
	for _, p := range params {
		form.Set(p[0], p[1])
	}
	return params, []byte(form.Encode())
}

func TestTwilioReadReceipt(t *testing.T) {
	tw := sms.NewTwilio(sms.TwilioConfig{AccountSID: "AC0123", AuthToken: "token-1", From: "+15005550006", StatusCallbackURL: callbackURL})
	for status, want := range map[string][]domain.DeliveryStatus{
		"queued": {domain.DeliverySent}, "sent": {domain.DeliverySent}, "delivered": {domain.DeliveryDelivered},
		"undelivered": {domain.DeliveryFailed}, "failed": {domain.DeliveryFailed}, "received": nil,
	} {
		params, body := callback(status)
		h := http.Header{}
		h.Set("X-Twilio-Signature", signCallback("token-1", params))
		// The URL the request shows (behind a proxy) is not the one signed.
		got, answer, ctype, err := tw.ReadReceipt(http.MethodPost, "http://10.0.0.5:8000/sms/receipts/twilio/", h, body)
		require.NoError(t, err, status)
		assert.Equal(t, want, got, status)
		assert.Contains(t, string(answer), "<Response>")
		assert.Contains(t, ctype, "xml")
	}

	params, body := callback("delivered")
	good := signCallback("token-1", params)
	for name, tc := range map[string]struct {
		method, sig string
		body        []byte
		tw          *sms.Twilio
		want        error
	}{
		"another token":   {http.MethodPost, signCallback("token-2", params), body, tw, sms.ErrReceiptUnauthenticated},
		"no signature":    {http.MethodPost, "", body, tw, sms.ErrReceiptUnauthenticated},
		"tampered":        {http.MethodPost, good, []byte(string(body) + "&ErrorCode=30003"), tw, sms.ErrReceiptUnauthenticated},
		"GET":             {http.MethodGet, good, body, tw, sms.ErrReceiptUnauthenticated},
		"no callback URL": {http.MethodPost, good, body, sms.NewTwilio(sms.TwilioConfig{AuthToken: "token-1"}), sms.ErrReceiptUnauthenticated},
		"not a form":      {http.MethodPost, good, []byte("%zz"), tw, sms.ErrReceiptMalformed},
	} {
		h := http.Header{}
		h.Set("X-Twilio-Signature", tc.sig)
		got, _, _, err := tc.tw.ReadReceipt(tc.method, callbackURL, h, tc.body)
		require.ErrorIs(t, err, tc.want, name)
		assert.Empty(t, got, name)
	}

	// Signed but without a status.
	h := http.Header{}
	h.Set("X-Twilio-Signature", signCallback("token-1", [][2]string{{"MessageSid", "SM1"}}))
	_, _, _, err := tw.ReadReceipt(http.MethodPost, callbackURL, h, []byte("MessageSid=SM1"))
	require.ErrorIs(t, err, sms.ErrReceiptMalformed)
}
