package bootstrap

import (
	"regexp"
	"slices"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// ProviderTencent is Tencent Cloud SMS in SMS_PROVIDER.
const ProviderTencent = "tencent"

// TencentConfig is the configuration of Tencent Cloud SMS (TENCENT_*).
type TencentConfig struct {
	SecretID     string
	SecretKey    string
	SDKAppID     string
	SignName     string
	Template     string                   // TENCENT_TEMPLATE_ID: codes of purposes without a template of their own
	Templates    map[ports.SMSKind]string // TENCENT_TEMPLATE_<KIND>
	Region       string
	URL          string
	ReceiptToken string
}

// tencentTemplateVars names the variable of each kind's template.
var tencentTemplateVars = []struct {
	name string
	kind ports.SMSKind
}{
	{"TENCENT_TEMPLATE_LOGIN", ports.CodeFor(domain.PurposeLogin)},
	{"TENCENT_TEMPLATE_RESET_PASSWORD", ports.CodeFor(domain.PurposeResetPassword)},
	{"TENCENT_TEMPLATE_CHANGE_MOBILE", ports.CodeFor(domain.PurposeChangeMobile)},
	{"TENCENT_TEMPLATE_NOTICE_REGISTERED", ports.NoticeRegistered},
	{"TENCENT_TEMPLATE_NOTICE_UNKNOWN", ports.NoticeUnknown},
	{"TENCENT_TEMPLATE_NOTICE_MOBILE_CHANGED", ports.NoticeMobileChanged},
}

var (
	tencentID     = regexp.MustCompile(`^[0-9]{1,20}$`)
	tencentRegion = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]+)+$`)
)

// tencent reads TENCENT_*; the credentials, the SDK app id and the default template are
// required when SMS_PROVIDER names tencent.
func (r *reader) tencent(providers []string) TencentConfig {
	c := TencentConfig{
		SecretID:     r.str("TENCENT_SECRET_ID", ""),
		SecretKey:    r.str("TENCENT_SECRET_KEY", ""),
		SDKAppID:     r.tencentID("TENCENT_SMS_SDK_APP_ID"),
		SignName:     r.str("TENCENT_SIGN_NAME", ""),
		Template:     r.tencentID("TENCENT_TEMPLATE_ID"),
		Templates:    map[ports.SMSKind]string{},
		Region:       r.str("TENCENT_REGION", sms.TencentDefaultRegion),
		URL:          r.httpURL("TENCENT_URL", sms.TencentDefaultURL),
		ReceiptToken: r.str("TENCENT_RECEIPT_TOKEN", ""),
	}
	for _, v := range tencentTemplateVars {
		if id := r.tencentID(v.name); id != "" {
			c.Templates[v.kind] = id
		}
	}
	if !tencentRegion.MatchString(c.Region) {
		r.fail("TENCENT_REGION", "must be a Tencent Cloud region such as ap-guangzhou, got %q", c.Region)
	}
	if c.ReceiptToken != "" && len(c.ReceiptToken) < minReceiptToken {
		r.fail("TENCENT_RECEIPT_TOKEN", "must be at least %d bytes (make one with: openssl rand -hex 24)", minReceiptToken)
	}
	if !slices.Contains(providers, ProviderTencent) {
		return c
	}
	for _, req := range []struct{ name, value string }{
		{"TENCENT_SECRET_ID", c.SecretID}, {"TENCENT_SECRET_KEY", c.SecretKey},
		{"TENCENT_SMS_SDK_APP_ID", c.SDKAppID}, {"TENCENT_TEMPLATE_ID", c.Template},
	} {
		if req.value == "" {
			r.fail(req.name, "is required when SMS_PROVIDER includes tencent")
		}
	}
	return c
}

// tencentNotices fails for a notice that is on without a Tencent template.
func (r *reader) tencentNotices(cfg Config) {
	if slices.Contains(cfg.SMSProvidersInUse(), ProviderTencent) {
		r.requireNoticeTemplates(cfg, ProviderTencent, "TENCENT", cfg.Tencent.Templates)
	}
}

// tencentID reads a template or application id: digits.
func (r *reader) tencentID(name string) string {
	v := r.str(name, "")
	if v != "" && !tencentID.MatchString(v) {
		r.fail(name, "must be the numeric id the Tencent Cloud SMS console shows, got %q", v)
	}
	return v
}

// tencentSender builds the provider. The service hands providers numbers of the default
// region in their national form; the numbering plan of DEFAULT_REGION gives Tencent their
// E.164 form (any region, not only CN).
func tencentSender(cfg Config) *sms.Tencent {
	var e164 func(string) (string, bool)
	if plan, err := numberPlan(cfg); err == nil { // LoadConfig checked DEFAULT_REGION
		e164 = plan.Normalise
	}
	t := cfg.Tencent
	return sms.NewTencent(sms.TencentConfig{
		SecretID: t.SecretID, SecretKey: t.SecretKey, SDKAppID: t.SDKAppID, SignName: t.SignName,
		Template: t.Template, Templates: t.Templates, Region: t.Region, URL: t.URL,
		E164: e164, ReceiptToken: t.ReceiptToken, Timeout: cfg.SMSTimeout,
	})
}
