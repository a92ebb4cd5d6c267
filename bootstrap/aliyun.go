package bootstrap

import (
	"regexp"
	"slices"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// aliyunTemplateCode is how Aliyun names a template: SMS_ and digits, e.g. SMS_71390007.
var aliyunTemplateCode = regexp.MustCompile(`^SMS_[0-9]+$`)

// minReceiptToken is the shortest receipt token (ALIYUN_RECEIPT_TOKEN,
// TENCENT_RECEIPT_TOKEN) accepted: for vendors that sign nothing, it is all that tells their
// receipts from forged ones.
const minReceiptToken = 16

// aliyun reads the ALIYUN_* variables into cfg.Aliyun, the request time-out aside (SMS_TIMEOUT).
// With aliyun in SMS_PROVIDER the access key, the sign name and the default template are
// required, and so is the template of each notice that is switched on: a notice's text
// is written for free-text providers, the default template would tell the owner of the
// number a code, and a notice dropped in silence would go unseen (with enumeration
// protection it is all the owner of a registered number gets), so the service does not
// start without it.
func (r *reader) aliyun(cfg *Config) {
	a := sms.AliyunConfig{
		AccessKeyID:     r.str("ALIYUN_ACCESS_KEY_ID", ""),
		AccessKeySecret: r.str("ALIYUN_ACCESS_KEY_SECRET", ""),
		SignName:        r.str("ALIYUN_SIGN_NAME", ""),
		Template:        r.aliyunTemplate("ALIYUN_TEMPLATE_CODE"),
		Templates: map[ports.SMSKind]string{
			ports.CodeFor(domain.PurposeLogin):         r.aliyunTemplate("ALIYUN_TEMPLATE_LOGIN"),
			ports.CodeFor(domain.PurposeResetPassword): r.aliyunTemplate("ALIYUN_TEMPLATE_RESET_PASSWORD"),
			ports.CodeFor(domain.PurposeChangeMobile):  r.aliyunTemplate("ALIYUN_TEMPLATE_CHANGE_MOBILE"),
			ports.NoticeRegistered:                     r.aliyunTemplate("ALIYUN_TEMPLATE_NOTICE_REGISTERED"),
			ports.NoticeUnknown:                        r.aliyunTemplate("ALIYUN_TEMPLATE_NOTICE_UNKNOWN"),
			ports.NoticeMobileChanged:                  r.aliyunTemplate("ALIYUN_TEMPLATE_NOTICE_MOBILE_CHANGED"),
		},
		URL:          r.httpURL("ALIYUN_URL", sms.AliyunURL),
		ReceiptToken: r.str("ALIYUN_RECEIPT_TOKEN", ""),
	}
	if a.ReceiptToken != "" && len(a.ReceiptToken) < minReceiptToken {
		r.fail("ALIYUN_RECEIPT_TOKEN", "must be at least %d characters, got %d (make one with: openssl rand -hex 24)", minReceiptToken, len(a.ReceiptToken))
	}
	cfg.Aliyun = a
	if !slices.Contains(cfg.SMSProvidersInUse(), ProviderAliyun) {
		return
	}
	for _, v := range []struct{ name, value string }{{"ALIYUN_ACCESS_KEY_ID", a.AccessKeyID},
		{"ALIYUN_ACCESS_KEY_SECRET", a.AccessKeySecret}, {"ALIYUN_SIGN_NAME", a.SignName}, {"ALIYUN_TEMPLATE_CODE", a.Template}} {
		if v.value == "" {
			r.fail(v.name, "is required when SMS_PROVIDER includes aliyun")
		}
	}
	r.requireNoticeTemplates(*cfg, ProviderAliyun, "ALIYUN", a.Templates)
}

// requireNoticeTemplates fails for a notice that is on without its template
// (<prefix>_TEMPLATE_NOTICE_...) of a provider that sends only registered templates: the
// code template without its code is no notice.
func (r *reader) requireNoticeTemplates(cfg Config, provider, prefix string, templates map[ports.SMSKind]string) {
	for _, n := range []struct {
		on           bool
		flag, suffix string
		kind         ports.SMSKind
	}{
		{cfg.SMSNotifyRegistered, "SMS_NOTIFY_REGISTERED", "REGISTERED", ports.NoticeRegistered},
		{cfg.SMSNotifyUnknown, "SMS_NOTIFY_UNKNOWN", "UNKNOWN", ports.NoticeUnknown},
		{cfg.SMSNotifyMobileChanged, "SMS_NOTIFY_MOBILE_CHANGED", "MOBILE_CHANGED", ports.NoticeMobileChanged},
	} {
		if n.on && templates[n.kind] == "" {
			r.fail(prefix+"_TEMPLATE_NOTICE_"+n.suffix, "is required when SMS_PROVIDER includes %s and %s is on (register a template for the notice, or set %s=false)",
				provider, n.flag, n.flag)
		}
	}
}

// aliyunTemplate reads a template code: "" when unset, else SMS_ and digits.
func (r *reader) aliyunTemplate(name string) string {
	v := r.raw(name, "")
	if v != "" && !aliyunTemplateCode.MatchString(v) {
		r.fail(name, "must be an Aliyun template code such as SMS_71390007, got %q", v)
	}
	return v
}
