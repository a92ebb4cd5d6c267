package contract_test

import (
	"context"
	"encoding/base64"
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

	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "twilio-auth-token-0123456789"
	twilioFrom  = "+15005550006"
	twilioPath  = "/2010-04-01/Accounts/" + twilioSID + "/Messages.json"
)

// fakeTwilio imitates Twilio's Messages API and checks the method, path, Basic
// credentials and form it is sent; the numbers it receives must be E.164.
type fakeTwilio struct {
	fakeVendor
	t *testing.T
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	v := &fakeTwilio{t: t}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(twilioSID+":"+twilioToken))
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, mode, refusal := v.record(t, r)
		form, err := url.ParseQuery(string(req.body))
		switch {
		case r.Method != http.MethodPost || r.URL.Path != twilioPath || r.URL.RawQuery != "":
			t.Errorf("Twilio got %s %s", r.Method, r.URL)
		case r.Header.Get("Authorization") != wantAuth:
			t.Errorf("Twilio got wrong credentials")
		case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
			t.Errorf("Twilio got Content-Type %q", r.Header.Get("Content-Type"))
		case err != nil:
			t.Errorf("Twilio got a body that is not a form: %v", err)
		case len(form) != 3 || len(form["To"]) != 1 || len(form["Body"]) != 1 || form.Get("From") != twilioFrom:
			t.Errorf("Twilio wants exactly To, Body and From, got fields %v", slices.Sorted(maps.Keys(form)))
		case !strings.HasPrefix(form.Get("To"), "+"):
			t.Errorf("Twilio got To %q, not E.164", form.Get("To"))
		}
		w.Header().Set("Content-Type", "application/json")
		switch mode {
		case down:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html>Service Unavailable</html>")
		case refusing:
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(t, w, map[string]any{"code": 21211, "message": refusal, "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
		default:
			v.accept(contract.Message{Mobile: form.Get("To"), Text: form.Get("Body")})
			w.WriteHeader(http.StatusCreated)
			writeJSON(t, w, map[string]any{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": form.Get("To"), "body": form.Get("Body")})
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

// e164 turns numbers into E.164 as bootstrap does, with the plan of the default region CN.
func e164(t *testing.T) func(string) string {
	plan, err := phonenumber.New("CN")
	require.NoError(t, err)
	return func(m string) string {
		if n, err := plan.Parse(m); err == nil {
			return n.String()
		}
		return m
	}
}

func (v *fakeTwilio) sender(timeout time.Duration) *sms.Twilio {
	return sms.NewTwilio(sms.TwilioConfig{AccountSID: twilioSID, AuthToken: twilioToken, From: twilioFrom,
		URL: v.srv.URL, E164: e164(v.t), Timeout: timeout, Client: v.srv.Client()})
}

// delivered shows the numbers as they were handed to the sender: national for CN.
func (v *fakeTwilio) deliveredNational() []contract.Message {
	out := v.delivered()
	for i := range out {
		out[i].Mobile = strings.TrimPrefix(out[i].Mobile, "+86")
	}
	return out
}

func twilioHarness(t *testing.T) contract.SMSHarness {
	v := newFakeTwilio(t)
	return contract.SMSHarness{Sender: v.sender(time.Second), Delivered: v.deliveredNational, Refuse: v.refuse, BeUnavailable: v.beUnavailable}
}

// routesHarness routes CN (the contract's numbers) through YunPian then Twilio, and every
// other region to a webhook that must never be called.
func routesHarness(t *testing.T) contract.SMSHarness {
	yp, tw, wh := newFakeYunpian(t), newFakeTwilio(t), newFakeWebhook(t)
	yp.beUnavailable()
	region := func(m string) string {
		plan, _ := phonenumber.New("CN")
		n, err := plan.Parse(m)
		if err != nil {
			return ""
		}
		return n.Region()
	}
	t.Cleanup(func() { assert.Empty(t, wh.received(), "the * route was never taken") })
	return contract.SMSHarness{
		Sender: sms.NewRouter(region, map[string]ports.SMSSender{
			"CN": sms.NewFailover(yp.sender(time.Second), tw.sender(time.Second)), sms.AnyRegion: wh.sender(),
		}),
		Delivered: tw.deliveredNational,
		Refuse:    tw.refuse,
		BeUnavailable: func() {
			yp.beUnavailable()
			tw.beUnavailable()
		},
	}
}

func TestTwilioSendsE164AndTheFreeText(t *testing.T) {
	v := newFakeTwilio(t)
	s := v.sender(time.Second)
	require.NoError(t, s.Send(context.Background(), ports.SMS{Mobile: "13800138000", Text: "code 123456", Kind: "register", Code: "123456"}))
	require.NoError(t, s.Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "code 654321"}))
	assert.Equal(t, []contract.Message{{Mobile: "+8613800138000", Text: "code 123456"}, {Mobile: "+85291234567", Text: "code 654321"}}, v.delivered())
	for _, r := range v.received() {
		for name, values := range r.header {
			if name != "Authorization" {
				assert.NotContains(t, strings.Join(values, " "), twilioToken, name)
			}
		}
		assert.NotContains(t, string(r.body), twilioToken)
	}
}

func TestTwilioSendsMessagingServiceAndStatusCallback(t *testing.T) {
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(b))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid":"SM1","status":"accepted"}`)
	}))
	t.Cleanup(srv.Close)
	s := sms.NewTwilio(sms.TwilioConfig{AccountSID: twilioSID, AuthToken: twilioToken, MessagingServiceSID: "MG0123",
		StatusCallbackURL: "https://shop.example.com/sms/receipts/twilio/", URL: srv.URL + "/"})
	require.NoError(t, s.Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "hi"}))
	assert.Equal(t, url.Values{"To": {"+85291234567"}, "Body": {"hi"}, "MessagingServiceSid": {"MG0123"},
		"StatusCallback": {"https://shop.example.com/sms/receipts/twilio/"}}, form)
}

func TestTwilioAnswers(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		want    error
		refusal string
	}{
		{"created", 201, `{"sid":"SM1","status":"queued"}`, nil, ""},
		{"invalid To", 400, `{"code":21211,"message":"The 'To' number 5551234567 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`, domain.ErrSMSRefused, "The 'To' number 5551234567 is not a valid phone number."},
		{"unsubscribed", 400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`, domain.ErrSMSRefused, "Attempt to send to unsubscribed recipient"},
		{"region not enabled", 400, `{"code":21408,"message":"Permission to send an SMS has not been enabled for the region indicated by the 'To' number","status":400}`, domain.ErrSMSRefused, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"},
		{"not a mobile", 400, `{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`, domain.ErrSMSRefused, "'To' number is not a valid mobile number"},
		{"bad credentials", 401, `{"code":20003,"message":"Authenticate","status":401}`, domain.ErrSMSUnavailable, ""},
		{"forbidden", 403, `{"code":20003,"message":"Permission denied","status":403}`, domain.ErrSMSUnavailable, ""},
		{"our From is wrong", 400, `{"code":21606,"message":"The From phone number is not a valid, SMS-capable inbound phone number","status":400}`, domain.ErrSMSUnavailable, ""},
		{"rate limited", 429, `{"code":20429,"message":"Too Many Requests","status":429}`, domain.ErrSMSUnavailable, ""},
		{"refusal code without message", 400, `{"code":21211,"status":400}`, domain.ErrSMSUnavailable, ""},
		{"400 not JSON", 400, `Bad Request`, domain.ErrSMSUnavailable, ""},
		{"500", 500, `{"code":20500,"message":"Internal Server Error"}`, domain.ErrSMSUnavailable, ""},
		{"503 with a refusal", 503, `{"code":21211,"message":"x"}`, domain.ErrSMSUnavailable, ""},
		{"201 garbage", 201, `<html>ok</html>`, domain.ErrSMSUnavailable, ""},
		{"201 without sid", 201, `{"status":"queued"}`, domain.ErrSMSUnavailable, ""},
		{"empty 200", 200, ``, domain.ErrSMSUnavailable, ""},
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
			err := sms.NewTwilio(sms.TwilioConfig{AccountSID: twilioSID, AuthToken: twilioToken, From: twilioFrom, URL: srv.URL}).
				Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "code 918273"})
			assertSendOutcome(t, err, tc.want, tc.refusal, twilioToken, "918273")
		})
	}
}

func TestTwilioTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	start := time.Now()
	err := sms.NewTwilio(sms.TwilioConfig{AccountSID: twilioSID, AuthToken: twilioToken, From: twilioFrom, URL: srv.URL, Timeout: 100 * time.Millisecond}).
		Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "code 918273"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
	assertNoSecrets(t, err, twilioToken, "918273")
}
