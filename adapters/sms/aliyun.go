package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Aliyun)(nil)

// AliyunURL is the public endpoint of Aliyun's SMS API (dysmsapi).
const AliyunURL = "https://dysmsapi.aliyuncs.com"

// AliyunConfig configures the Aliyun (Alibaba Cloud) SMS provider.
type AliyunConfig struct {
	AccessKeyID     string
	AccessKeySecret string
	// SignName is the sign name (签名) registered in the console, e.g. 慕学生鲜.
	SignName string
	// Template is the template code (SMS_...) of a code message whose kind has none in
	// Templates.
	Template string
	// Templates maps a kind to its template code: ports.CodeFor(purpose) for the codes of
	// a purpose, the ports.Notice* kinds for the notices. A notice has no default.
	Templates map[ports.SMSKind]string
	// URL is the endpoint, AliyunURL in production.
	URL string
	// ReceiptToken authenticates delivery receipts: the receipt URL configured in the
	// console carries it as ?token=. Empty: every receipt is refused.
	ReceiptToken string
	// Timeout bounds each request; zero means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// Aliyun sends template messages through Aliyun's SendSms (API version 2017-05-25), signed
// with the RPC signature (HMAC-SHA1, SignatureVersion 1.0).
type Aliyun struct {
	cfg  AliyunConfig
	http httpSender
	// now and nonce feed Timestamp and SignatureNonce; tests fix them.
	now   func() time.Time
	nonce func() (string, error)
}

// NewAliyun returns a provider for cfg.
func NewAliyun(cfg AliyunConfig) *Aliyun {
	cfg.Templates = nonEmpty(cfg.Templates)
	return &Aliyun{cfg: cfg, http: newHTTPSender(cfg.Client, cfg.Timeout), now: time.Now, nonce: randomNonce}
}

// nonEmpty copies m without its empty template codes.
func nonEmpty(m map[ports.SMSKind]string) map[ports.SMSKind]string {
	out := make(map[ports.SMSKind]string, len(m))
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func randomNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// template returns the template code for kind: its own, else for a code the default one.
// A notice without a template of its own has none: its text was written for free-text
// providers, and the default template would tell the owner of the number a code.
func (a *Aliyun) template(kind ports.SMSKind) (string, bool) {
	if t, ok := a.cfg.Templates[kind]; ok {
		return t, true
	}
	if kind.IsNotice() {
		return "", false
	}
	return a.cfg.Template, a.cfg.Template != ""
}

// aliyunAnswer is the part of SendSms's JSON answer that decides the outcome.
type aliyunAnswer struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// aliyunRefusals are the answer codes that judge the number, the text or the registered
// sign name and template (from Aliyun's API error code list): another attempt, through
// Aliyun or another provider, would not do better, so the refusal is final and its
// Message is shown. Every other code (the account, its balance or permissions, the
// signature, account-wide limits, their system errors) is unavailability, so that a
// failover chain tries the next provider.
var aliyunRefusals = []string{
	"isv.MOBILE_NUMBER_ILLEGAL",         // 非法手机号
	"isv.MOBILE_COUNT_OVER_LIMIT",       // 手机号码数量超过限制
	"isv.BUSINESS_LIMIT_CONTROL",        // 业务限流: this number's minute/hour/day limit
	"isv.BLACK_KEY_CONTROL_LIMIT",       // 黑名单管控
	"isv.DOMESTIC_NUMBER_NOT_SUPPORTED", // an international template for a mainland number
	"isv.SMS_CONTENT_ILLEGAL",           // 短信内容包含禁止发送内容
	"isv.PARAM_LENGTH_LIMIT",            // 参数超出长度限制
	"isv.PARAM_NOT_SUPPORT_URL",         // 不支持URL
	"isv.INVALID_JSON_PARAM",            // JSON参数不合法
	"isv.INVALID_PARAMETERS",            // 参数异常
	"isv.TEMPLATE_MISSING_PARAMETERS",   // 模板缺少变量
	"isv.TEMPLATE_PARAMS_ILLEGAL",       // 模板变量里包含非法关键字
	"isv.SMS_TEMPLATE_ILLEGAL",          // 模板不合法
	"isv.SMS_SIGNATURE_ILLEGAL",         // 签名不合法
	"isv.SMS_SIGNATURE_SCENE_ILLEGAL",   // 签名和模板类型不一致
	"isv.SIGN_STATE_ILLEGAL",            // 签名状态为“不可用”
	"isv.SMS_SIGN_ILLEGAL",              // 签名禁止使用
	"isv.EXTEND_CODE_ERROR",             // 扩展码使用错误
}

// Send posts SendSms as a form: the template for msg.Kind, and for a code the template
// parameter {"code": msg.Code} and nothing else. The parameters, the access key id and the
// signature travel in the body, never in the URL, where proxies and access logs would keep
// the code; the secret never travels.
//
// Outcomes: Code "OK" with HTTP 2xx is sent; a Code of aliyunRefusals with a Message is a
// refusal carrying Message; HTTP 5xx, any other answer, a connection error or a time-out is
// unavailability. A message Aliyun cannot send (a notice without its template, a code
// without a code) is unavailability too, so that a failover chain sends it elsewhere.
func (a *Aliyun) Send(ctx context.Context, msg ports.SMS) error {
	template, ok := a.template(msg.Kind)
	if !ok {
		return fmt.Errorf("aliyun: %w", unavailable(fmt.Errorf("no template for %q (ALIYUN_TEMPLATE_%s)", msg.Kind, strings.ToUpper(string(msg.Kind)))))
	}
	params := map[string]string{
		"Action":       "SendSms",
		"Version":      "2017-05-25",
		"RegionId":     "cn-hangzhou",
		"PhoneNumbers": aliyunNumber(msg.Mobile),
		"SignName":     a.cfg.SignName,
		"TemplateCode": template,
	}
	if !msg.Kind.IsNotice() {
		if msg.Code == "" {
			return fmt.Errorf("aliyun: %w", unavailable(errors.New("a code message without a code")))
		}
		param, err := json.Marshal(struct {
			Code string `json:"code"`
		}{msg.Code})
		if err != nil {
			return fmt.Errorf("aliyun: %w", unavailable(errors.New("encoding the template parameter")))
		}
		params["TemplateParam"] = string(param)
	}
	nonce, err := a.nonce()
	if err != nil {
		return fmt.Errorf("aliyun: %w", unavailable(fmt.Errorf("making a nonce: %w", err)))
	}
	body := a.signedQuery(http.MethodPost, params, a.now(), nonce)
	ans, err := a.http.post(ctx, a.cfg.URL, "application/x-www-form-urlencoded", []byte(body), nil)
	if err != nil {
		return fmt.Errorf("aliyun: %w", err)
	}
	if ans.status >= 500 {
		return fmt.Errorf("aliyun: %w", unavailable(fmt.Errorf("HTTP %d", ans.status)))
	}
	var v aliyunAnswer
	if err := json.Unmarshal(ans.body, &v); err != nil || v.Code == "" {
		return fmt.Errorf("aliyun: %w", unavailable(fmt.Errorf("HTTP %d with an answer that is not Aliyun's JSON", ans.status)))
	}
	switch {
	case v.Code == "OK" && ans.status/100 == 2:
		return nil
	case slices.Contains(aliyunRefusals, v.Code) && v.Message != "":
		return domain.ErrSMSRefused.WithParam(v.Message)
	default:
		return fmt.Errorf("aliyun: %w", unavailable(fmt.Errorf("HTTP %d with code %q", ans.status, v.Code)))
	}
}

// aliyunNumber is mobile as PhoneNumbers takes it: a national number of the mainland as
// it is, an E.164 number as its country code and number without the "+" (8613800000000,
// 85291234567), the form Aliyun documents for the mainland and for other regions alike.
func aliyunNumber(mobile string) string { return strings.TrimPrefix(mobile, "+") }

// signedQuery adds the common parameters to params and returns them as the canonicalized
// query string with its Signature appended: the body of a POST, or the query of a GET.
func (a *Aliyun) signedQuery(method string, params map[string]string, now time.Time, nonce string) string {
	all := map[string]string{
		"AccessKeyId":      a.cfg.AccessKeyID,
		"Format":           "JSON",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   nonce,
		"Timestamp":        now.UTC().Format("2006-01-02T15:04:05Z"),
	}
	for k, v := range params {
		all[k] = v
	}
	canonical := canonicalQuery(all)
	return canonical + "&Signature=" + percentEncode(aliyunSignature(a.cfg.AccessKeySecret, method, canonical))
}

// canonicalQuery is Aliyun's CanonicalizedQueryString: the parameters sorted by name,
// names and values percent-encoded, joined by = and &.
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		b.WriteString(percentEncode(params[k]))
	}
	return b.String()
}

// aliyunSignature is Base64(HMAC-SHA1(secret + "&", method + "&%2F&" +
// percentEncode(canonical))), Aliyun's RPC signature, version 1.0.
func aliyunSignature(secret, method, canonical string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(method + "&" + percentEncode("/") + "&" + percentEncode(canonical)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 3986 encoding as Aliyun specifies it: A-Z, a-z, 0-9, -, _, . and ~
// stay, every other byte of the UTF-8 text becomes %XY (a space %20, not +).
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// ErrAliyunReceiptForged is a delivery receipt without the operator's token (or any
// receipt when no token is configured); it is domain.ErrNotAuthenticated.
var ErrAliyunReceiptForged = fmt.Errorf("aliyun: receipt without the receipt token: %w", domain.ErrNotAuthenticated)

// ErrAliyunReceiptMalformed is a delivery receipt that is not Aliyun's SmsReport.
var ErrAliyunReceiptMalformed = errors.New("aliyun: receipt is not a SmsReport")

// aliyunReceiptAnswer is what Aliyun wants back from a receipt it pushed; anything else,
// or another HTTP status than 200, and it pushes the batch again.
var aliyunReceiptAnswer = []byte(`{"code":0,"msg":"接收成功"}`)

// aliyunReport is one delivery report of SmsReport's HTTP batch push; Success is a
// pointer so that a report without it is not read as a failure.
type aliyunReport struct {
	PhoneNumber string `json:"phone_number"`
	Success     *bool  `json:"success"`
	ErrCode     string `json:"err_code"`
	BizID       string `json:"biz_id"`
	ReportTime  string `json:"report_time"`
}

// ReadReceipt reads a push of SmsReport (delivery receipts, HTTP batch push mode): a POST
// of a JSON array of reports, each final, "success": true for a delivered text and false
// for one that will not arrive. Aliyun signs nothing in the push, so the request is
// authenticated by the token the operator put in the receipt URL configured in the
// console (…/sms/receipts/aliyun/?token=<ALIYUN_RECEIPT_TOKEN>), compared in constant time.
//
// It returns one status per report and the answer Aliyun expects, or
// ErrAliyunReceiptForged (then answer nothing but 401) or ErrAliyunReceiptMalformed.
func (a *Aliyun) ReadReceipt(method, rawURL string, _ http.Header, body []byte) ([]domain.DeliveryStatus, []byte, string, error) {
	if !a.receiptAuthentic(rawURL) {
		return nil, nil, "", ErrAliyunReceiptForged
	}
	if method != http.MethodPost {
		return nil, nil, "", fmt.Errorf("%w: method %s", ErrAliyunReceiptMalformed, method)
	}
	var reports []aliyunReport
	if err := json.Unmarshal(body, &reports); err != nil || reports == nil {
		return nil, nil, "", fmt.Errorf("%w: not a JSON array of reports", ErrAliyunReceiptMalformed)
	}
	statuses := make([]domain.DeliveryStatus, 0, len(reports))
	for i, r := range reports {
		switch {
		case r.Success == nil:
			return nil, nil, "", fmt.Errorf("%w: report %d has no success", ErrAliyunReceiptMalformed, i)
		case *r.Success:
			statuses = append(statuses, domain.DeliveryDelivered)
		default:
			statuses = append(statuses, domain.DeliveryFailed)
		}
	}
	return statuses, aliyunReceiptAnswer, "application/json", nil
}

// receiptAuthentic tells whether rawURL carries the receipt token. The hashes make the
// comparison take the same time whatever the lengths.
func (a *Aliyun) receiptAuthentic(rawURL string) bool {
	if a.cfg.ReceiptToken == "" {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	got := u.Query()["token"]
	if len(got) != 1 {
		return false
	}
	want, have := sha256.Sum256([]byte(a.cfg.ReceiptToken)), sha256.Sum256([]byte(got[0]))
	return subtle.ConstantTimeCompare(want[:], have[:]) == 1
}
