package sms_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// testWebhookSecret is a Standard Webhooks secret: whsec_ and 32 bytes in base64.
const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func newWebhook(t *testing.T, cfg sms.WebhookConfig) *sms.Webhook {
	t.Helper()
	wh, err := sms.NewWebhook(cfg)
	require.NoError(t, err)
	return wh
}

// The deprecated legacy header, with SMS_WEBHOOK_LEGACY_SIGNATURE and the plain secret of
// existing deployments, is signed as before.
func TestWebhookPostsSignedJSON(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	wh := newWebhook(t, sms.WebhookConfig{URL: srv.URL + "/sms", Secret: "s3cret", LegacySignature: true})
	require.NoError(t, wh.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "验证码 123456 & more"}))

	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/sms", got.URL.Path)
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	var msg map[string]string
	require.NoError(t, json.Unmarshal(body, &msg))
	assert.Equal(t, map[string]string{"mobile": "13800000000", "text": "验证码 123456 & more"}, msg)

	// The signature, computed here independently of the package.
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), got.Header.Get(sms.SignatureHeader))
	assert.NotContains(t, strings.Join(got.Header.Values(sms.SignatureHeader), ""), "s3cret")
}

func TestVerifyWebhookSignature(t *testing.T) {
	body := []byte(`{"mobile":"13800000000","text":"code"}`)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))

	assert.True(t, sms.VerifyWebhookSignature("s3cret", body, good))
	for name, tc := range map[string]struct {
		secret string
		body   []byte
		header string
	}{
		"other secret":     {"other", body, good},
		"other body":       {"s3cret", []byte(`{"mobile":"13800000001","text":"code"}`), good},
		"no prefix":        {"s3cret", body, strings.TrimPrefix(good, "sha256=")},
		"other prefix":     {"s3cret", body, "sha1=" + strings.TrimPrefix(good, "sha256=")},
		"uppercase hex":    {"s3cret", body, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256="))},
		"truncated":        {"s3cret", body, good[:len(good)-2]},
		"empty":            {"s3cret", body, ""},
		"prefix only":      {"s3cret", body, "sha256="},
		"trailing garbage": {"s3cret", body, good + "00"},
	} {
		assert.False(t, sms.VerifyWebhookSignature(tc.secret, tc.body, tc.header), name)
	}
}

func TestWebhookOutcomes(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		body        string
		wantRefusal string // "" means the send is not a refusal
		wantErr     error
	}{
		{"200", 200, `{"ok":true}`, "", nil},
		{"202 empty", 202, ``, "", nil},
		{"400 with msg", 400, `{"msg":"号码在黑名单中","message":"ignored"}`, "号码在黑名单中", domain.ErrSMSRefused},
		{"422 with message", 422, `{"message":"invalid number"}`, "invalid number", domain.ErrSMSRefused},
		{"403 with detail", 403, `{"detail":"quota exceeded"}`, "quota exceeded", domain.ErrSMSRefused},
		{"400 with a non-string msg", 400, `{"msg":12,"detail":"bad mobile"}`, "bad mobile", domain.ErrSMSRefused},
		{"400 without JSON", 400, `Bad Request`, "SMS provider refused the message", domain.ErrSMSRefused},
		{"429 JSON without reason", 429, `{"error":"slow down"}`, "SMS provider refused the message", domain.ErrSMSRefused},
		{"500", 500, `{"msg":"boom"}`, "", domain.ErrSMSUnavailable},
		{"503", 503, ``, "", domain.ErrSMSUnavailable},
		{"unfollowed 304", 304, ``, "", domain.ErrSMSUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)

			err := newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: testWebhookSecret}).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "secret text 123456"})
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.NotContains(t, err.Error(), "secret text 123456")
			if tc.wantRefusal != "" {
				assert.Equal(t, tc.wantRefusal, paramOf(t, err))
			}
		})
	}
}

func TestWebhookTimeoutAndConnectionErrorsAreUnavailable(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	start := time.Now()
	err := newWebhook(t, sms.WebhookConfig{URL: slow.URL, Secret: testWebhookSecret, Timeout: 50 * time.Millisecond}).
		Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "text"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	err = newWebhook(t, sms.WebhookConfig{URL: closed.URL, Secret: testWebhookSecret}).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "text"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
}
