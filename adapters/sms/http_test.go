package sms_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://sms.example.com/send":                          "https://sms.example.com/send",
		"https://user:pass@sms.example.com/send?key=SECRET#top": "https://xxxxx@sms.example.com/send?xxxxx",
		"https://TOKEN@sms.example.com/send?TOKEN":              "https://xxxxx@sms.example.com/send?xxxxx",
		"postgres://app:pass@db:5432/shop?sslmode=disable":      "postgres://xxxxx@db:5432/shop?xxxxx",
		"http://[::1]:namedport":                                "(unparsable URL)",
	} {
		require.Equal(t, want, sms.RedactURL(raw), raw)
	}
}

// The error of a vendor that cannot be reached is logged (as a 503's cause): it names the
// URL without the credentials an operator may have put in it.
func TestUnreachableVendorErrorsHideURLCredentials(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	target := strings.Replace(closed.URL, "http://", "http://vendor-user:vendor-pass@", 1) + "/send?key=SECRET-KEY"
	for name, sender := range map[string]ports.SMSSender{
		"webhook": newWebhook(t, sms.WebhookConfig{URL: target, Secret: testWebhookSecret}),
		"yunpian": sms.NewYunpian(sms.YunpianConfig{URL: target, APIKey: "k"}),
		"twilio":  sms.NewTwilio(sms.TwilioConfig{URL: target, AccountSID: "AC1", AuthToken: "t", From: "+15005550006"}),
	} {
		t.Run(name, func(t *testing.T) {
			err := sender.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "text"})
			require.ErrorIs(t, err, domain.ErrSMSUnavailable)
			require.Contains(t, err.Error(), "xxxxx@127.0.0.1")
			for _, secret := range []string{"SECRET-KEY", "vendor-pass", "vendor-user"} {
				require.NotContains(t, err.Error(), secret)
			}
		})
	}
}
