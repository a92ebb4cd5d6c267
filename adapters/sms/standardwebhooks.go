package sms

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers (https://www.standardwebhooks.com, spec 1.0.0).
const (
	WebhookIDHeader        = "Webhook-Id"
	WebhookTimestampHeader = "Webhook-Timestamp"
	WebhookSignatureHeader = "Webhook-Signature"
)

// WebhookTolerance is how far a webhook's timestamp may be from the receiver's clock,
// either way, for VerifyWebhook to accept it.
const WebhookTolerance = 5 * time.Minute

const (
	secretPrefix = "whsec_"
	// The spec's bounds on a symmetric key: at least 192 bits, at most 512.
	minKey, maxKey = 24, 64
)

// Errors of VerifyWebhook.
var (
	ErrWebhookSignature = errors.New("webhook: no signature verifies")
	ErrWebhookTimestamp = errors.New("webhook: timestamp missing or outside the tolerance")
)

// webhookKeys are the keys the webhook provider signs with.
type webhookKeys struct {
	standard [][]byte // each signs webhook-signature, in order
	legacy   []byte   // signs X-Phoneauth-Signature; nil: no such header
}

// parseWebhookSecret reads SMS_WEBHOOK_SECRET: space-separated `whsec_<base64>` keys, the
// first the current one and the others kept during a rotation. With legacy, it may also
// hold one secret without the prefix, the old plain secret, which signs
// X-Phoneauth-Signature as before and (as the spec's migration section allows) the
// Standard Webhooks signature too, so that a receiver can move to the spec without a new
// secret: it verifies with whsec_ followed by the plain secret in base64. A value with no
// whsec_ key at all is one plain secret as before, spaces included: it signs
// webhook-signature (so an existing configuration keeps starting and sending), and with
// legacy X-Phoneauth-Signature too.
func parseWebhookSecret(value string, legacy bool) (webhookKeys, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return webhookKeys{}, errors.New("is empty")
	}
	if !slices.ContainsFunc(strings.Fields(value), func(s string) bool { return strings.HasPrefix(s, secretPrefix) }) {
		keys := webhookKeys{standard: [][]byte{[]byte(value)}}
		if legacy {
			keys.legacy = keys.standard[0]
		}
		return keys, nil
	}
	var keys webhookKeys
	var plain []string
	for _, s := range strings.Fields(value) {
		enc, ok := strings.CutPrefix(s, secretPrefix)
		if !ok {
			plain = append(plain, s)
			continue
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return webhookKeys{}, fmt.Errorf("has a whsec_ secret that is not base64")
		}
		if len(key) < minKey || len(key) > maxKey {
			return webhookKeys{}, fmt.Errorf("has a whsec_ secret of %d bytes, want %d to %d (make one with: echo whsec_$(openssl rand -base64 32))", len(key), minKey, maxKey)
		}
		keys.standard = append(keys.standard, key)
	}
	switch {
	case len(plain) > 0 && !legacy:
		return webhookKeys{}, errors.New("mixes whsec_ secrets with one without the prefix: the old X-Phoneauth-Signature secret goes beside them only with SMS_WEBHOOK_LEGACY_SIGNATURE=true (deprecated)")
	case len(plain) > 1:
		return webhookKeys{}, errors.New("has several secrets without the whsec_ prefix: the old X-Phoneauth-Signature takes one")
	case len(plain) == 0 && legacy:
		return webhookKeys{}, errors.New("has no plain secret for SMS_WEBHOOK_LEGACY_SIGNATURE: give the old secret next to the whsec_ ones")
	case len(plain) == 1:
		keys.legacy = []byte(plain[0])
		keys.standard = append(keys.standard, keys.legacy)
	}
	return keys, nil
}

// CheckWebhookSecret tells whether value is a valid SMS_WEBHOOK_SECRET (see NewWebhook),
// with or without SMS_WEBHOOK_LEGACY_SIGNATURE; the error completes the variable's name.
func CheckWebhookSecret(value string, legacy bool) error {
	_, err := parseWebhookSecret(value, legacy)
	return err
}

// newWebhookID is a fresh message id: msg_ and 32 hex digits (no '.', which the signed
// content uses as its separator).
func newWebhookID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "msg_" + hex.EncodeToString(b), nil
}

// standardSignatures is the webhook-signature value: "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" under each key, space-separated.
func standardSignatures(keys [][]byte, id, timestamp string, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(standardMAC(k, id, timestamp, body))
	}
	return strings.Join(sigs, " ")
}

func standardMAC(key []byte, id, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifyWebhook checks a Standard Webhooks request for a receiver written in Go: one of
// the v1 signatures in webhook-signature is the HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>" under one of the whsec_ secrets in secret
// (space-separated, for a rotation), and webhook-timestamp is within WebhookTolerance of
// now. Check the raw body, before decoding it. It fails with ErrWebhookTimestamp or
// ErrWebhookSignature.
//
// A replay within the tolerance passes: the receiver must also refuse a webhook-id it has
// already seen (keep the ids of the last WebhookTolerance, twice over for clock skew).
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time) error {
	id, ts := header.Get(WebhookIDHeader), header.Get(WebhookTimestampHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return ErrWebhookTimestamp
	}
	if id == "" {
		return ErrWebhookSignature
	}
	var keys [][]byte
	for _, s := range strings.Fields(secret) {
		if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix)); err == nil {
			keys = append(keys, key)
		}
	}
	for _, sig := range strings.Fields(header.Get(WebhookSignatureHeader)) {
		version, enc, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			continue
		}
		for _, k := range keys {
			if hmac.Equal(got, standardMAC(k, id, ts, body)) {
				return nil
			}
		}
	}
	return ErrWebhookSignature
}
