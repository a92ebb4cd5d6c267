package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Tencent)(nil)

// Tencent Cloud SMS: the SendSms action of API version 2021-01-11, signed with
// TC3-HMAC-SHA256 (Tencent Cloud's "Signature v3").
const (
	// TencentDefaultURL is the SMS API's endpoint.
	TencentDefaultURL = "https://sms.tencentcloudapi.com"
	// TencentDefaultRegion is the region SendSms is called in when none is configured.
	TencentDefaultRegion = "ap-guangzhou"

	tencentService     = "sms"
	tencentAction      = "SendSms"
	tencentVersion     = "2021-01-11"
	tencentContentType = "application/json; charset=utf-8"
	tencentOK          = "Ok"
	tc3Algorithm       = "TC3-HMAC-SHA256"
)

// TencentConfig configures the Tencent Cloud SMS provider.
type TencentConfig struct {
	SecretID  string
	SecretKey string
	SDKAppID  string // SmsSdkAppId, the application made in the SMS console
	SignName  string // the approved sign (签名); mainland China numbers need one
	// Template is the approved template for codes of every purpose without one of its own.
	Template string
	// Templates are the templates per kind: codes for a purpose (ports.CodeFor) and notices.
	// A notice is sent only with a template of its own (see Send).
	Templates map[ports.SMSKind]string
	Region    string // X-TC-Region; "" means ap-guangzhou
	// URL is the endpoint, https://sms.tencentcloudapi.com in production; the signed Host is
	// its host.
	URL string
	// E164 gives the E.164 form of a number as the service passes it (national for the
	// default region); nil, or false from it, leaves +86 to be added to 11-digit numbers
	// that start with 1 and any other number as it is.
	E164 func(mobile string) (string, bool)
	// ReceiptToken authenticates delivery receipts (see ReadReceipt); "" refuses them all.
	ReceiptToken string
	// Timeout bounds each request; zero means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
	// Now is the clock of X-TC-Timestamp; nil means time.Now.
	Now func() time.Time
}

// Tencent sends messages through Tencent Cloud SMS.
type Tencent struct {
	cfg  TencentConfig
	host string
	path string
	http httpSender
}

// NewTencent returns a provider for cfg.
func NewTencent(cfg TencentConfig) *Tencent {
	if cfg.URL == "" {
		cfg.URL = TencentDefaultURL
	}
	if cfg.Region == "" {
		cfg.Region = TencentDefaultRegion
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Tencent{cfg: cfg, http: newHTTPSender(cfg.Client, cfg.Timeout), path: "/"}
	if u, err := url.Parse(cfg.URL); err == nil {
		t.host = u.Host
		if p := u.EscapedPath(); p != "" {
			t.path = p
		}
	}
	return t
}

// tencentRequest is SendSms's body.
type tencentRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName,omitempty"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet,omitempty"`
}

// tencentAnswer is the part of the answer that decides the outcome.
type tencentAnswer struct {
	Response *struct {
		Error         *tencentStatus  `json:"Error"`
		SendStatusSet []tencentStatus `json:"SendStatusSet"`
	} `json:"Response"`
}

type tencentStatus struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// tencentRefusals are the codes that name the number, the template or the sign as the
// problem: another try, through any vendor, of the same message to the same number would
// meet the same verdict (a bad or blocked number, a per-number limit, a template or sign
// not approved, content the vendor will not carry). Every other code (authentication,
// balance, the application's own limits, internal errors, rate limits of the API) is our
// account or their service failing, so unavailability: the next provider may deliver.
var tencentRefusals = map[string]bool{
	"InvalidParameterValue.IncorrectPhoneNumber":                      true,
	"InvalidParameterValue.TemplateParameterFormatError":              true,
	"InvalidParameterValue.TemplateParameterLengthLimit":              true,
	"InvalidParameterValue.ContentLengthLimit":                        true,
	"FailedOperation.PhoneNumberInBlacklist":                          true,
	"FailedOperation.PhoneNumberParseFail":                            true,
	"FailedOperation.TemplateIncorrectOrUnapproved":                   true,
	"FailedOperation.SignatureIncorrectOrUnapproved":                  true,
	"FailedOperation.ContainSensitiveWord":                            true,
	"LimitExceeded.PhoneNumberDailyLimit":                             true,
	"LimitExceeded.PhoneNumberOneHourLimit":                           true,
	"LimitExceeded.PhoneNumberThirtySecondLimit":                      true,
	"LimitExceeded.PhoneNumberSameContentDailyLimit":                  true,
	"LimitExceeded.DeliveryFrequencyLimit":                            true,
	"UnsupportedOperation.UnsupportedRegion":                          true,
	"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": true,
}

// Send posts SendSms for one number: the template chosen by msg.Kind, with msg.Code as
// its only parameter (none for a notice). The text is never sent: the vendor sends the
// approved template.
//
// Outcomes: SendStatusSet[0].Code "Ok" in a 2xx answer is sent. A code of tencentRefusals,
// in SendStatusSet[0] or in a top-level Response.Error, is a refusal carrying the vendor's
// Message. Any other Response.Error (a bad signature or key, an exhausted balance, an
// internal error) or status code, HTTP 5xx, an answer that is not Tencent's JSON, a
// connection error or a time-out is unavailability. A notice without a template of its own
// is unavailability too, before any request: the code template with no code would be a
// broken message (configuration refuses to start that way when the notice is on).
func (t *Tencent) Send(ctx context.Context, msg ports.SMS) error {
	template, params, err := t.template(msg)
	if err != nil {
		return fmt.Errorf("tencent: %w", unavailable(err))
	}
	body, err := json.Marshal(tencentRequest{
		PhoneNumberSet: []string{t.e164(msg.Mobile)}, SmsSdkAppID: t.cfg.SDKAppID,
		SignName: t.cfg.SignName, TemplateID: template, TemplateParamSet: params,
	})
	if err != nil {
		return fmt.Errorf("tencent: %w", unavailable(err))
	}
	now := t.cfg.Now()
	req := tc3Request{method: http.MethodPost, path: t.path, contentType: tencentContentType, host: t.host,
		service: tencentService, payload: body, timestamp: now}
	header := http.Header{
		"Authorization":  {req.authorization(t.cfg.SecretID, t.cfg.SecretKey)},
		"X-TC-Action":    {tencentAction},
		"X-TC-Version":   {tencentVersion},
		"X-TC-Timestamp": {strconv.FormatInt(now.Unix(), 10)},
		"X-TC-Region":    {t.cfg.Region},
	}
	ans, err := t.http.post(ctx, t.cfg.URL, tencentContentType, body, header)
	if err != nil {
		return fmt.Errorf("tencent: %w", err)
	}
	if ans.status >= 500 {
		return fmt.Errorf("tencent: %w", unavailable(fmt.Errorf("HTTP %d", ans.status)))
	}
	var a tencentAnswer
	if err := json.Unmarshal(ans.body, &a); err != nil || a.Response == nil {
		return fmt.Errorf("tencent: %w", unavailable(fmt.Errorf("HTTP %d with an answer that is not Tencent Cloud's JSON", ans.status)))
	}
	status := a.Response.Error
	if status == nil {
		if len(a.Response.SendStatusSet) == 0 {
			return fmt.Errorf("tencent: %w", unavailable(fmt.Errorf("HTTP %d without a send status", ans.status)))
		}
		status = &a.Response.SendStatusSet[0]
	}
	switch {
	case status.Code == tencentOK && ans.status/100 == 2:
		return nil
	case tencentRefusals[status.Code]:
		if status.Message == "" {
			return domain.ErrSMSRefused.WithParam(status.Code)
		}
		return domain.ErrSMSRefused.WithParam(status.Message)
	default:
		// The code names the failure for the log; the vendor's message may quote the request.
		return fmt.Errorf("tencent: %w", unavailable(fmt.Errorf("HTTP %d with code %q", ans.status, status.Code)))
	}
}

// template chooses the template of msg and its parameters.
func (t *Tencent) template(msg ports.SMS) (string, []string, error) {
	id := t.cfg.Templates[msg.Kind]
	if msg.Kind.IsNotice() {
		if id == "" {
			return "", nil, fmt.Errorf("no template for %s", msg.Kind)
		}
		return id, nil, nil
	}
	if id == "" {
		id = t.cfg.Template
	}
	return id, []string{msg.Code}, nil
}

// e164 is mobile in the E.164 form Tencent wants.
func (t *Tencent) e164(mobile string) string {
	if t.cfg.E164 != nil {
		if e, ok := t.cfg.E164(mobile); ok {
			return e
		}
	}
	if len(mobile) == 11 && mobile[0] == '1' && strings.Trim(mobile, "0123456789") == "" {
		return "+86" + mobile
	}
	return mobile
}

// tc3Request is what TC3-HMAC-SHA256 signs of a request: the method, path, query, the
// content-type and host headers, and the payload, at a time, for a service.
type tc3Request struct {
	method, path, query string
	contentType, host   string
	service             string
	payload             []byte
	timestamp           time.Time
}

// canonical is the CanonicalRequest: the signed headers are content-type and host.
func (r tc3Request) canonical() string {
	return strings.Join([]string{
		r.method, r.path, r.query,
		"content-type:" + strings.ToLower(strings.TrimSpace(r.contentType)) + "\nhost:" + strings.ToLower(strings.TrimSpace(r.host)) + "\n",
		"content-type;host",
		sha256Hex(r.payload),
	}, "\n")
}

func (r tc3Request) date() string { return r.timestamp.UTC().Format("2006-01-02") }

func (r tc3Request) scope() string { return r.date() + "/" + r.service + "/tc3_request" }

// stringToSign is the StringToSign over the canonical request.
func (r tc3Request) stringToSign() string {
	return tc3Algorithm + "\n" + strconv.FormatInt(r.timestamp.Unix(), 10) + "\n" + r.scope() + "\n" + sha256Hex([]byte(r.canonical()))
}

// signature is the hex HMAC of the string to sign under the key derived from secretKey
// for the date and service.
func (r tc3Request) signature(secretKey string) string {
	k := hmacSHA256([]byte("TC3"+secretKey), r.date())
	k = hmacSHA256(k, r.service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, r.stringToSign()))
}

// authorization is the Authorization header's value.
func (r tc3Request) authorization(secretID, secretKey string) string {
	return tc3Algorithm + " Credential=" + secretID + "/" + r.scope() + ", SignedHeaders=content-type;host, Signature=" + r.signature(secretKey)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// errors of ReadReceipt.
var (
	// ErrTencentReceiptUnauthenticated: the request does not carry the receipt token.
	ErrTencentReceiptUnauthenticated = errors.New("tencent receipt: not authenticated")
	// ErrTencentReceiptMalformed: the request is not a status report.
	ErrTencentReceiptMalformed = errors.New("tencent receipt: malformed")
)

// TencentReceiptTokenParam is the query parameter of the callback URL that carries the
// receipt token: https://shop.example/sms/receipts/tencent/?token=<TENCENT_RECEIPT_TOKEN>.
const TencentReceiptTokenParam = "token"

// tencentReport is one status report (回执) of Tencent's callback.
type tencentReport struct {
	ReportStatus *string `json:"report_status"`
}

// ReadReceipt reads a delivery status callback of Tencent Cloud SMS: a POST of a JSON
// array of reports, each with user_receive_time, nationcode, mobile, report_status
// (SUCCESS or FAIL), errmsg, description and sid; Tencent expects the answer
// {"result":0,"errmsg":"OK"}. Tencent signs nothing in the callback, so the callback URL
// configured in the console carries a secret of the operator's, ?token=..., compared in
// constant time with the configured ReceiptToken.
//
// SUCCESS is domain.DeliveryDelivered and FAIL domain.DeliveryFailed. The error is
// ErrTencentReceiptUnauthenticated (a missing or wrong token, or no token configured) or
// ErrTencentReceiptMalformed (another method, a body that is not such an array, a report
// without a known status); answer is then a JSON body with a non-zero result to send with
// the error's status. Numbers and texts are never part of the error.
func (t *Tencent) ReadReceipt(method, rawURL string, header http.Header, body []byte) (statuses []domain.DeliveryStatus, answer []byte, contentType string, err error) {
	const ct = "application/json"
	u, perr := url.Parse(rawURL)
	var token string
	if perr == nil {
		token = u.Query().Get(TencentReceiptTokenParam)
	}
	if t.cfg.ReceiptToken == "" || !hmac.Equal([]byte(token), []byte(t.cfg.ReceiptToken)) {
		return nil, []byte(`{"result":1,"errmsg":"unauthenticated"}`), ct, ErrTencentReceiptUnauthenticated
	}
	malformed := func(why string) ([]domain.DeliveryStatus, []byte, string, error) {
		return nil, []byte(`{"result":1,"errmsg":"malformed"}`), ct, fmt.Errorf("%w: %s", ErrTencentReceiptMalformed, why)
	}
	if method != http.MethodPost {
		return malformed("method " + method)
	}
	var reports []tencentReport
	if err := json.Unmarshal(body, &reports); err != nil || reports == nil {
		return malformed("not a JSON array of reports")
	}
	statuses = make([]domain.DeliveryStatus, 0, len(reports))
	for i, r := range reports {
		switch {
		case r.ReportStatus == nil:
			return malformed(fmt.Sprintf("report %d has no report_status", i))
		case *r.ReportStatus == "SUCCESS":
			statuses = append(statuses, domain.DeliveryDelivered)
		case *r.ReportStatus == "FAIL":
			statuses = append(statuses, domain.DeliveryFailed)
		default:
			return malformed(fmt.Sprintf("report %d has an unknown report_status", i))
		}
	}
	return statuses, []byte(`{"result":0,"errmsg":"OK"}`), ct, nil
}
