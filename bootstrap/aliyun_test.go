package bootstrap

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/metrics"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// aliyunEnv is the least an Aliyun configuration needs with the default notices (the
// mobile-changed notice is on by default).
func aliyunEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"SMS_PROVIDER":                          "aliyun",
		"ALIYUN_ACCESS_KEY_ID":                  "LTAI5tExampleKeyId",
		"ALIYUN_ACCESS_KEY_SECRET":              "example-secret",
		"ALIYUN_SIGN_NAME":                      "慕学生鲜",
		"ALIYUN_TEMPLATE_CODE":                  "SMS_100",
		"ALIYUN_TEMPLATE_NOTICE_MOBILE_CHANGED": "SMS_303",
	}
	maps.Copy(env, extra)
	return env
}

func TestConfigReadsAliyun(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(aliyunEnv(map[string]string{
		"SMS_PROVIDER":                      "aliyun,yunpian",
		"YUNPIAN_API_KEY":                   "k",
		"ALIYUN_TEMPLATE_LOGIN":             "SMS_201",
		"ALIYUN_TEMPLATE_RESET_PASSWORD":    "SMS_202",
		"ALIYUN_TEMPLATE_CHANGE_MOBILE":     "SMS_203",
		"SMS_NOTIFY_REGISTERED":             "true",
		"ALIYUN_TEMPLATE_NOTICE_REGISTERED": "SMS_301",
		"SMS_NOTIFY_UNKNOWN":                "true",
		"ALIYUN_TEMPLATE_NOTICE_UNKNOWN":    "SMS_302",
		"ALIYUN_URL":                        "http://127.0.0.1:9/",
		"ALIYUN_RECEIPT_TOKEN":              "0123456789abcdef0123",
	})))
	require.NoError(t, err)
	require.Equal(t, []string{"aliyun", "yunpian"}, cfg.SMSProviders)
	require.Equal(t, sms.AliyunConfig{
		AccessKeyID: "LTAI5tExampleKeyId", AccessKeySecret: "example-secret", SignName: "慕学生鲜", Template: "SMS_100",
		Templates: map[ports.SMSKind]string{
			ports.CodeFor(domain.PurposeLogin): "SMS_201", ports.CodeFor(domain.PurposeResetPassword): "SMS_202",
			ports.CodeFor(domain.PurposeChangeMobile): "SMS_203", ports.NoticeRegistered: "SMS_301",
			ports.NoticeUnknown: "SMS_302", ports.NoticeMobileChanged: "SMS_303",
		},
		URL: "http://127.0.0.1:9/", ReceiptToken: "0123456789abcdef0123",
	}, cfg.Aliyun)

	cfg, err = LoadConfig(lookupFrom(aliyunEnv(nil)))
	require.NoError(t, err)
	require.Equal(t, "https://dysmsapi.aliyuncs.com", cfg.Aliyun.URL)
	require.Empty(t, cfg.Aliyun.ReceiptToken)

	cfg, err = LoadConfig(lookupFrom(map[string]string{"SMS_PROVIDER": "console"}))
	require.NoError(t, err, "the ALIYUN_* variables are required only with aliyun")
	require.Equal(t, "https://dysmsapi.aliyuncs.com", cfg.Aliyun.URL)

	_, err = LoadConfig(lookupFrom(aliyunEnv(map[string]string{"SMS_NOTIFY_MOBILE_CHANGED": "false", "ALIYUN_TEMPLATE_NOTICE_MOBILE_CHANGED": ""})))
	require.NoError(t, err, "a notice that is off needs no template")
}

func TestConfigRejectsBadAliyunSettingsNamingTheVariable(t *testing.T) {
	rows := []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"ALIYUN_ACCESS_KEY_ID": ""}, "ALIYUN_ACCESS_KEY_ID"},
		{map[string]string{"ALIYUN_ACCESS_KEY_SECRET": " "}, "ALIYUN_ACCESS_KEY_SECRET"},
		{map[string]string{"ALIYUN_SIGN_NAME": ""}, "ALIYUN_SIGN_NAME"},
		{map[string]string{"ALIYUN_TEMPLATE_CODE": ""}, "ALIYUN_TEMPLATE_CODE"},
		{map[string]string{"SMS_PROVIDER": "yunpian,aliyun", "YUNPIAN_API_KEY": "k", "ALIYUN_TEMPLATE_CODE": ""}, "ALIYUN_TEMPLATE_CODE"},
		{map[string]string{"ALIYUN_TEMPLATE_CODE": "您的验证码是${code}"}, "ALIYUN_TEMPLATE_CODE"},
		{map[string]string{"ALIYUN_TEMPLATE_LOGIN": "SMS-201"}, "ALIYUN_TEMPLATE_LOGIN"},
		{map[string]string{"ALIYUN_TEMPLATE_RESET_PASSWORD": "202"}, "ALIYUN_TEMPLATE_RESET_PASSWORD"},
		{map[string]string{"ALIYUN_TEMPLATE_CHANGE_MOBILE": "SMS_"}, "ALIYUN_TEMPLATE_CHANGE_MOBILE"},
		{map[string]string{"ALIYUN_URL": "ftp://dysmsapi.aliyuncs.com"}, "ALIYUN_URL"},
		{map[string]string{"ALIYUN_URL": "dysmsapi.aliyuncs.com"}, "ALIYUN_URL"},
		{map[string]string{"ALIYUN_RECEIPT_TOKEN": "short"}, "ALIYUN_RECEIPT_TOKEN"},
		{map[string]string{"ALIYUN_TEMPLATE_NOTICE_MOBILE_CHANGED": ""}, "ALIYUN_TEMPLATE_NOTICE_MOBILE_CHANGED"},
		{map[string]string{"SMS_NOTIFY_REGISTERED": "true"}, "ALIYUN_TEMPLATE_NOTICE_REGISTERED"},
		{map[string]string{"SMS_NOTIFY_UNKNOWN": "true"}, "ALIYUN_TEMPLATE_NOTICE_UNKNOWN"},
		{map[string]string{"ALIYUN_TEMPLATE_NOTICE_UNKNOWN": "x"}, "ALIYUN_TEMPLATE_NOTICE_UNKNOWN"},
	}
	for _, row := range rows {
		_, err := LoadConfig(lookupFrom(aliyunEnv(row.vars)))
		require.Error(t, err, "%v", row.vars)
		require.Contains(t, err.Error(), row.name, "%v", row.vars)
	}
	_, err := LoadConfig(lookupFrom(aliyunEnv(map[string]string{"ALIYUN_ACCESS_KEY_SECRET": "", "ALIYUN_URL": "http://user:pw@[::1"})))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "pw")
}

func TestWiringAliyunProfiles(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for name, vars := range map[string]map[string]string{
		"aliyun":         {"SMS_PROVIDER": "aliyun"},
		"aliyun,yunpian": {"SMS_PROVIDER": "aliyun,yunpian", "YUNPIAN_API_KEY": "k"},
	} {
		t.Run(name, func(t *testing.T) {
			vars["DATABASE_URL"] = "memory://"
			cfg, err := LoadConfig(lookupFrom(aliyunEnv(vars)))
			require.NoError(t, err)
			require.NoError(t, fx.ValidateApp(Options(cfg, logger), ServerModule))
		})
	}
}

// The sms module builds Aliyun from the configuration: its endpoint, key, sign name and
// templates, and SMS_TIMEOUT.
func TestSMSModuleSendsThroughAliyun(t *testing.T) {
	forms := make(chan url.Values, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("PhoneNumbers") == "13900000000" { // hangs past SMS_TIMEOUT
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		forms <- r.PostForm
		_, _ = io.WriteString(w, `{"Code":"OK","Message":"OK","RequestId":"1","BizId":"2"}`)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	cfg, err := LoadConfig(lookupFrom(aliyunEnv(map[string]string{"ALIYUN_URL": srv.URL + "/", "SMS_TIMEOUT": "200ms",
		"ALIYUN_TEMPLATE_LOGIN": "SMS_201"})))
	require.NoError(t, err)

	var sender ports.SMSSender
	app := fx.New(fx.NopLogger, smsModule(cfg), fx.Supply(slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New()), fx.Populate(&sender))
	require.NoError(t, app.Err())
	require.NoError(t, sender.Send(context.Background(), ports.SMS{Mobile: "13800000000", Kind: ports.CodeFor(domain.PurposeLogin), Code: "123456"}))
	f := <-forms
	require.Equal(t, "LTAI5tExampleKeyId", f.Get("AccessKeyId"))
	require.Equal(t, "慕学生鲜", f.Get("SignName"))
	require.Equal(t, "SMS_201", f.Get("TemplateCode"))

	start := time.Now()
	err = sender.Send(context.Background(), ports.SMS{Mobile: "13900000000", Kind: ports.CodeFor(domain.PurposeLogin), Code: "123456"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 3*time.Second, "SMS_TIMEOUT bounds the request")
}
