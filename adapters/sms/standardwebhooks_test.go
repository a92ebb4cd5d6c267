package sms_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// specReceiver is a webhook receiver written from the Standard Webhooks specification
// 1.0.0 alone, without this package's helpers: the secret is whsec_ and the key in
// base64; webhook-signature is a space-delimited list of "v1,<base64 HMAC-SHA256>" over
// "{webhook-id}.{webhook-timestamp}.{body}", compared in constant time; the timestamp
// must be within a tolerance of now; a webhook-id already processed is refused.
type specReceiver struct {
	secrets []string
	now     func() time.Time

	mu   sync.Mutex
	seen map[string]bool
	got  [][]byte
}

var errSpec = errors.New("refused")

func (s *specReceiver) verify(h http.Header, body []byte) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errSpec
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errSpec
	}
	if d := s.now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errSpec
	}
	ok := false
	for _, secret := range s.secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		if err != nil {
			return errSpec
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + ts + "." + string(body)))
		want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
		for _, sig := range strings.Split(sigs, " ") {
			ok = ok || hmac.Equal([]byte(sig), []byte(want))
		}
	}
	if !ok {
		return errSpec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[id] {
		return errSpec
	}
	s.seen[id] = true
	s.got = append(s.got, body)
	return nil
}

func (s *specReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if s.verify(r.Header, body) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// capture records the requests a sender makes and accepts them.
type capture struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.reqs, c.body = append(c.reqs, r), append(c.body, b)
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

const (
	currentSecret = "whsec_Q2hhbmdlZCBrZXkgb2YgdGhpcyB0ZXN0LCAzMiBieXRlcw=="
	oldSecret     = testWebhookSecret
)

func TestSpecReceiverVerifiesOurWebhook(t *testing.T) {
	rcv := &specReceiver{secrets: []string{currentSecret}, now: time.Now, seen: map[string]bool{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)

	wh := newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: currentSecret})
	require.NoError(t, wh.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}))
	require.NoError(t, wh.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}), "a second message has a fresh id")
	assert.Equal(t, [][]byte{[]byte(`{"mobile":"13800000000","text":"code 123456"}`), []byte(`{"mobile":"13800000000","text":"code 123456"}`)}, rcv.got)
}

// During a rotation every request is signed with each secret, so a receiver that knows
// only the old one, or only the new one, verifies it.
func TestRotationSignsWithEverySecret(t *testing.T) {
	for name, known := range map[string]string{"current": currentSecret, "old": oldSecret} {
		t.Run(name, func(t *testing.T) {
			rcv := &specReceiver{secrets: []string{known}, now: time.Now, seen: map[string]bool{}}
			srv := httptest.NewServer(rcv)
			t.Cleanup(srv.Close)
			wh := newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: currentSecret + "  " + oldSecret})
			require.NoError(t, wh.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code"}))
			assert.Len(t, rcv.got, 1)
		})
	}
	rcv := &specReceiver{secrets: []string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("another key, 24 bytes..."))}, now: time.Now, seen: map[string]bool{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	err := newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: currentSecret + " " + oldSecret}).Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code"})
	require.ErrorIs(t, err, domain.ErrSMSRefused, "a receiver with another secret refuses (401)")
}

// A captured request replayed, as it was or re-stamped, or held back past the
// tolerance, fails verification at the spec receiver and at VerifyWebhook.
func TestReplayedStaleAndTamperedRequestsFail(t *testing.T) {
	c := &capture{}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	sent := time.Unix(1_800_000_000, 0)
	wh := newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: currentSecret, Now: func() time.Time { return sent }})
	require.NoError(t, wh.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}))
	require.Len(t, c.reqs, 1)
	h, body := c.reqs[0].Header, c.body[0]
	assert.Equal(t, "1800000000", h.Get("webhook-timestamp"))
	assert.Empty(t, h.Get(sms.SignatureHeader), "no legacy header without SMS_WEBHOOK_LEGACY_SIGNATURE")

	at := func(d time.Duration) func() time.Time { return func() time.Time { return sent.Add(d) } }
	rcv := &specReceiver{secrets: []string{currentSecret}, now: at(time.Minute), seen: map[string]bool{}}
	require.NoError(t, rcv.verify(h, body), "the request as sent")
	require.NoError(t, sms.VerifyWebhook(currentSecret, h, body, sent.Add(time.Minute)))
	assert.Error(t, rcv.verify(h, body), "the same request again: its webhook-id was seen")

	tampered := func(name, value string) http.Header {
		t := h.Clone()
		t.Set(name, value)
		return t
	}
	for name, tc := range map[string]struct {
		header http.Header
		body   []byte
		now    time.Duration
		want   error
	}{
		"stale":               {h, body, 5*time.Minute + time.Second, sms.ErrWebhookTimestamp},
		"from the future":     {h, body, -5*time.Minute - time.Second, sms.ErrWebhookTimestamp},
		"re-stamped":          {tampered("webhook-timestamp", "1800000200"), body, 200 * time.Second, sms.ErrWebhookSignature},
		"another id":          {tampered("webhook-id", "msg_0123456789abcdef0123456789abcdef"), body, 0, sms.ErrWebhookSignature},
		"another body":        {h, bytes.Replace(body, []byte("123456"), []byte("654321"), 1), 0, sms.ErrWebhookSignature},
		"no signature":        {tampered("webhook-signature", ""), body, 0, sms.ErrWebhookSignature},
		"another version":     {tampered("webhook-signature", strings.Replace(h.Get("webhook-signature"), "v1,", "v1a,", 1)), body, 0, sms.ErrWebhookSignature},
		"no timestamp":        {tampered("webhook-timestamp", ""), body, 0, sms.ErrWebhookTimestamp},
		"a bad timestamp":     {tampered("webhook-timestamp", "18e8"), body, 0, sms.ErrWebhookTimestamp},
		"wrong secret":        {h, body, 0, nil},
		"signature truncated": {tampered("webhook-signature", h.Get("webhook-signature")[:20]), body, 0, sms.ErrWebhookSignature},
	} {
		fresh := &specReceiver{secrets: []string{currentSecret}, now: at(tc.now), seen: map[string]bool{}}
		secret := currentSecret
		want := tc.want
		if name == "wrong secret" {
			fresh.secrets, secret, want = []string{oldSecret}, oldSecret, sms.ErrWebhookSignature
		}
		assert.Error(t, fresh.verify(tc.header, tc.body), name)
		assert.ErrorIs(t, sms.VerifyWebhook(secret, tc.header, tc.body, sent.Add(tc.now)), want, name)
	}
}

// The reference vector, read by VerifyWebhook, next to a signature it must skip.
func TestVerifyWebhookReadsTheReferenceVector(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	now := time.Unix(1614265330, 0)
	require.NoError(t, sms.VerifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, body, now))
	require.NoError(t, sms.VerifyWebhook(currentSecret+" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, body, now), "any secret of a rotation")
	require.ErrorIs(t, sms.VerifyWebhook(currentSecret, h, body, now), sms.ErrWebhookSignature)
}

// With SMS_WEBHOOK_LEGACY_SIGNATURE, the old plain secret keeps the old header, and next to
// whsec_ secrets both headers are sent, so receivers move over one at a time.
func TestLegacySignatureDuringTheMigration(t *testing.T) {
	c := &capture{}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	require.NoError(t, newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: "old-plain-secret " + currentSecret, LegacySignature: true}).
		Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code"}))
	require.NoError(t, newWebhook(t, sms.WebhookConfig{URL: srv.URL, Secret: "old plain secret", LegacySignature: true}).
		Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code"}))
	require.Len(t, c.reqs, 2)

	mixed, plain := c.reqs[0].Header, c.reqs[1].Header
	require.NoError(t, sms.VerifyWebhook(currentSecret, mixed, c.body[0], time.Now()))
	assert.True(t, sms.VerifyWebhookSignature("old-plain-secret", c.body[0], mixed.Get(sms.SignatureHeader)))
	// A plain secret that has spaces is one secret, as before.
	assert.True(t, sms.VerifyWebhookSignature("old plain secret", c.body[1], plain.Get(sms.SignatureHeader)))
	// And it signs the Standard Webhooks headers too: a receiver verifies with whsec_ and
	// the plain secret in base64.
	plainAsSpec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("old plain secret"))
	require.NoError(t, sms.VerifyWebhook(plainAsSpec, plain, c.body[1], time.Now()))
}

func TestWebhookSecretsAreChecked(t *testing.T) {
	for name, tc := range map[string]struct {
		secret string
		legacy bool
		want   string
	}{
		"plain beside whsec_ without the legacy flag": {"s3cret " + currentSecret, false, "SMS_WEBHOOK_LEGACY_SIGNATURE"},
		"not base64":        {"whsec_not*base64", false, "base64"},
		"too short":         {"whsec_" + base64.StdEncoding.EncodeToString([]byte("short")), false, "5 bytes"},
		"legacy, two plain": {"one two " + currentSecret, true, "several"},
		"legacy, no plain":  {currentSecret, true, "no plain secret"},
		"empty":             {"  ", false, "empty"},
	} {
		err := sms.CheckWebhookSecret(tc.secret, tc.legacy)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
		_, err = sms.NewWebhook(sms.WebhookConfig{URL: "http://127.0.0.1:1/", Secret: tc.secret, LegacySignature: tc.legacy})
		require.Error(t, err, name)
	}
	require.NoError(t, sms.CheckWebhookSecret(currentSecret+" "+oldSecret, false))
	require.NoError(t, sms.CheckWebhookSecret("s3cret", false), "an existing deployment's plain secret keeps starting")
	require.NoError(t, sms.CheckWebhookSecret("s3cret", true))
}

// A deployment's plain secret, without the legacy flag, keeps the provider starting and
// sending: it signs webhook-signature with its bytes (a receiver verifies with whsec_ and
// the secret in base64), and the deprecated header is not sent.
func TestAPlainSecretSignsTheStandardHeaders(t *testing.T) {
	var header http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header, body = r.Header.Clone(), must(io.ReadAll(r.Body))
	}))
	t.Cleanup(srv.Close)
	w, err := sms.NewWebhook(sms.WebhookConfig{URL: srv.URL, Secret: "old plain secret"})
	require.NoError(t, err)
	require.NoError(t, w.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "code 123456"}))
	spec := "whsec_" + base64.StdEncoding.EncodeToString([]byte("old plain secret"))
	require.NoError(t, sms.VerifyWebhook(spec, header, body, time.Now()))
	assert.Empty(t, header.Get(sms.SignatureHeader), "the old header only with SMS_WEBHOOK_LEGACY_SIGNATURE")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
