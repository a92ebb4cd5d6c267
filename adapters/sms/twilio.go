package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" // Twilio's request signature is HMAC-SHA1: not our choice
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Twilio)(nil)

// TwilioSignatureHeader carries the signature of a request Twilio makes to us.
const TwilioSignatureHeader = "X-Twilio-Signature"

// TwilioConfig configures the Twilio Messages API provider.
type TwilioConfig struct {
	AccountSID string
	AuthToken  string
	// From is the sender (an E.164 number or an alphanumeric sender id); MessagingServiceSID
	// a Messaging Service that picks one. At least one is set; when both are, both are sent
	// and Twilio takes From from the service's sender pool.
	From                string
	MessagingServiceSID string
	// URL is the API's base, https://api.twilio.com in production.
	URL string
	// StatusCallbackURL, when set, is sent with every message as StatusCallback, and is the
	// URL that the signatures of the status callbacks cover (see ReadReceipt).
	StatusCallbackURL string
	// E164 turns the Mobile of a message (national for the default region) into the E.164
	// form Twilio's To needs; nil sends the Mobile as it is.
	E164 func(mobile string) string
	// Timeout bounds each request; zero means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// Twilio sends messages through Twilio's Messages API, as free text.
type Twilio struct {
	cfg      TwilioConfig
	endpoint string
	http     httpSender
}

// NewTwilio returns a provider for cfg.
func NewTwilio(cfg TwilioConfig) *Twilio {
	endpoint := strings.TrimRight(cfg.URL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json"
	return &Twilio{cfg: cfg, endpoint: endpoint, http: newHTTPSender(cfg.Client, cfg.Timeout)}
}

// twilioRefusals are the error codes of Twilio's that are a verdict on the number or the
// text, not on our account or configuration: https://www.twilio.com/docs/api/errors.
var twilioRefusals = []int{
	21211, // invalid 'To' phone number
	21265, // 'To' number cannot be a short code
	21407, // this phone number type does not support SMS
	21408, // permission to send an SMS has not been enabled for the region
	21608, // a trial account sends only to verified numbers
	21610, // the recipient unsubscribed (replied STOP)
	21612, // Twilio cannot route to this number
	21614, // 'To' number is not a valid mobile number
	21617, // the body exceeds 1600 characters
}

// twilioAnswer is the part of Twilio's JSON answers that decides the outcome: an error
// has code and message, a message resource has sid and status.
type twilioAnswer struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	SID     string `json:"sid"`
}

// Send posts To, Body, and From and/or MessagingServiceSid (and StatusCallback when
// configured) as a form, with the account SID and auth token as HTTP Basic credentials.
//
// Outcomes: 201 (any 2xx) with a message resource is sent; 4xx with one of twilioRefusals is a
// refusal carrying Twilio's message; any other 4xx (our credentials, our sender, a rate
// limit), 5xx, an answer that is not Twilio's JSON, a connection error or a time-out is
// unavailability.
func (t *Twilio) Send(ctx context.Context, msg ports.SMS) error {
	to := msg.Mobile
	if t.cfg.E164 != nil {
		to = t.cfg.E164(msg.Mobile)
	}
	form := url.Values{"To": {to}, "Body": {msg.Text}}
	if t.cfg.From != "" {
		form.Set("From", t.cfg.From)
	}
	if t.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", t.cfg.MessagingServiceSID)
	}
	if t.cfg.StatusCallbackURL != "" {
		form.Set("StatusCallback", t.cfg.StatusCallbackURL)
	}
	header := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(t.cfg.AccountSID+":"+t.cfg.AuthToken))}}
	ans, err := t.http.post(ctx, t.endpoint, "application/x-www-form-urlencoded", []byte(form.Encode()), header)
	if err != nil {
		return fmt.Errorf("twilio: %w", err)
	}
	var a twilioAnswer
	decoded := json.Unmarshal(ans.body, &a) == nil
	switch {
	case ans.status/100 == 2 && decoded && a.SID != "":
		return nil
	case ans.status/100 == 4 && decoded && slices.Contains(twilioRefusals, a.Code) && a.Message != "":
		return domain.ErrSMSRefused.WithParam(a.Message)
	case ans.status/100 == 4 && decoded && a.Code != 0:
		return fmt.Errorf("twilio: %w", unavailable(fmt.Errorf("HTTP %d with Twilio error %d", ans.status, a.Code)))
	default:
		return fmt.Errorf("twilio: %w", unavailable(fmt.Errorf("HTTP %d", ans.status)))
	}
}

// Errors of ReadReceipt: the HTTP endpoint answers 403 to the first, 400 to the second.
var (
	ErrReceiptUnauthenticated = errors.New("the delivery receipt's signature does not verify")
	ErrReceiptMalformed       = errors.New("the delivery receipt cannot be read")
)

// twilioAck answers a status callback: empty TwiML (Twilio ignores the body).
const twilioAck = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// ReadReceipt reads a status callback Twilio POSTed to us: it checks X-Twilio-Signature
// and returns the status it reports, and the answer to give Twilio.
//
// The signature covers the URL Twilio called, which behind proxies is not the URL the
// request shows; it is taken from StatusCallbackURL, the URL we gave Twilio, and the
// URL argument is not used. Without StatusCallbackURL no receipt is accepted.
// A status that says nothing of delivery (an inbound message's) yields no status.
func (t *Twilio) ReadReceipt(method, _ string, header http.Header, body []byte) ([]domain.DeliveryStatus, []byte, string, error) {
	if method != http.MethodPost || t.cfg.StatusCallbackURL == "" {
		return nil, nil, "", ErrReceiptUnauthenticated
	}
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, nil, "", fmt.Errorf("%w: %w", ErrReceiptMalformed, err)
	}
	if !VerifyTwilioSignature(t.cfg.AuthToken, t.cfg.StatusCallbackURL, params, header.Get(TwilioSignatureHeader)) {
		return nil, nil, "", ErrReceiptUnauthenticated
	}
	if params.Get("MessageStatus") == "" {
		return nil, nil, "", fmt.Errorf("%w: no MessageStatus", ErrReceiptMalformed)
	}
	var statuses []domain.DeliveryStatus
	if s, ok := twilioStatuses[params.Get("MessageStatus")]; ok {
		statuses = append(statuses, s)
	}
	return statuses, []byte(twilioAck), "text/xml; charset=utf-8", nil
}

// twilioStatuses maps Twilio's MessageStatus values of outbound messages
// (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
var twilioStatuses = map[string]domain.DeliveryStatus{
	"accepted":    domain.DeliverySent,
	"scheduled":   domain.DeliverySent,
	"queued":      domain.DeliverySent,
	"sending":     domain.DeliverySent,
	"sent":        domain.DeliverySent,
	"delivered":   domain.DeliveryDelivered,
	"read":        domain.DeliveryDelivered,
	"undelivered": domain.DeliveryFailed,
	"failed":      domain.DeliveryFailed,
	"canceled":    domain.DeliveryFailed,
}

// VerifyTwilioSignature tells, in constant time, whether signature is Twilio's for a POST
// to fullURL with params: the base64 HMAC-SHA1, keyed with the auth token, of fullURL
// followed by every parameter's name and value, by name in byte order, without separators.
func VerifyTwilioSignature(authToken, fullURL string, params url.Values, signature string) bool {
	want := TwilioSignature(authToken, fullURL, params)
	return signature != "" && hmac.Equal([]byte(signature), []byte(want))
}

// TwilioSignature is the X-Twilio-Signature of a POST to fullURL with params.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, v := range params[name] {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
