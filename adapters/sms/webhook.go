package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Webhook)(nil)

// SignatureHeader carries the legacy signature of the webhook body, sent only with
// WebhookConfig.LegacySignature.
// It is deprecated: receivers verify the Standard Webhooks headers (VerifyWebhook) instead;
// the header goes in the next release.
const SignatureHeader = "X-Phoneauth-Signature"

const (
	signaturePrefix = "sha256="
	// defaultRefusal is the refusal message when a refusing receiver does not say why.
	defaultRefusal = "SMS provider refused the message"
)

// WebhookConfig configures the webhook provider.
type WebhookConfig struct {
	URL string
	// Secret is SMS_WEBHOOK_SECRET: space-separated whsec_<base64> keys, each of which
	// signs every request (the first is the current one, the others are kept during a
	// rotation), and with LegacySignature the old plain secret (see CheckWebhookSecret).
	Secret string
	// LegacySignature adds the deprecated X-Phoneauth-Signature header.
	LegacySignature bool
	// Now stamps webhook-timestamp; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each request; zero means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// Webhook hands messages to an HTTP endpoint of the operator's (a gateway of their own, or
// a bridge to a vendor this service does not know), signing each request to the Standard
// Webhooks specification so the receiver can tell it came from this service, unchanged
// and lately.
type Webhook struct {
	url  string
	keys webhookKeys
	now  func() time.Time
	http httpSender
}

// NewWebhook returns a provider for cfg, or an error saying what is wrong with its Secret.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	keys, err := parseWebhookSecret(cfg.Secret, cfg.LegacySignature)
	if err != nil {
		return nil, fmt.Errorf("webhook secret %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Webhook{url: cfg.URL, keys: keys, now: now, http: newHTTPSender(cfg.Client, cfg.Timeout)}, nil
}

type webhookMessage struct {
	Mobile string `json:"mobile"`
	Text   string `json:"text"`
}

// Send posts {"mobile": ..., "text": ...} with the Standard Webhooks headers: webhook-id
// (fresh for each message), webhook-timestamp (unix seconds) and webhook-signature
// ("v1,<base64 HMAC-SHA256 of id.timestamp.body>" under each key, space-separated). With
// LegacySignature it adds X-Phoneauth-Signature: sha256=<hex HMAC-SHA256 of the exact body
// under the plain secret>.
//
// Outcomes: 2xx is sent; 4xx is a refusal, carrying the body's "msg", "message" or
// "detail" when it is JSON that has one; 5xx, any other status, a connection error or a
// time-out is unavailability.
func (w *Webhook) Send(ctx context.Context, msg ports.SMS) error {
	body, err := json.Marshal(webhookMessage{Mobile: msg.Mobile, Text: msg.Text})
	if err != nil {
		return fmt.Errorf("webhook: %w", unavailable(err))
	}
	id, err := newWebhookID()
	if err != nil {
		return fmt.Errorf("webhook: %w", unavailable(err))
	}
	ts := strconv.FormatInt(w.now().Unix(), 10)
	header := http.Header{
		WebhookIDHeader:        {id},
		WebhookTimestampHeader: {ts},
		WebhookSignatureHeader: {standardSignatures(w.keys.standard, id, ts, body)},
	}
	if w.keys.legacy != nil {
		header.Set(SignatureHeader, sign(w.keys.legacy, body))
	}
	ans, err := w.http.post(ctx, w.url, "application/json", body, header)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	switch ans.status / 100 {
	case 2:
		return nil
	case 4:
		return domain.ErrSMSRefused.WithParam(refusalMessage(ans.body))
	default:
		return fmt.Errorf("webhook: %w", unavailable(fmt.Errorf("HTTP %d", ans.status)))
	}
}

// VerifyWebhookSignature tells, in constant time, whether header is the legacy signature of
// body under secret. It is the whole scheme: header is "sha256=" followed by the lowercase hex
// HMAC-SHA256 of the raw request body, keyed with the shared secret. Receivers must check
// it against the bytes they received, before decoding them.
// It is deprecated, with the header: it cannot tell a replay; use VerifyWebhook.
func VerifyWebhookSignature(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	want := sign([]byte(secret), body)[len(signaturePrefix):]
	// Comparing the hex text (not decoded bytes) also rejects uppercase and odd encodings.
	return hmac.Equal([]byte(got), []byte(want))
}

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// refusalMessage picks the receiver's reason out of a refusal body, in the field order
// common APIs use, or falls back to a generic message.
func refusalMessage(body []byte) string {
	var fields map[string]any
	if json.Unmarshal(body, &fields) == nil {
		for _, k := range []string{"msg", "message", "detail"} {
			if s, ok := fields[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return defaultRefusal
}
