package bootstrap

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/metrics"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// tencentEnv is a complete Tencent configuration.
func tencentEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"SMS_PROVIDER": "tencent", "TENCENT_SECRET_ID": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3", "TENCENT_SECRET_KEY": "Gu5t9xGARNpq86cd98joQYCN3",
		"TENCENT_SMS_SDK_APP_ID": "1400006666", "TENCENT_SIGN_NAME": "慕学生鲜", "TENCENT_TEMPLATE_ID": "1110",
		"TENCENT_TEMPLATE_NOTICE_MOBILE_CHANGED": "7770",
	}
	maps.Copy(env, extra)
	return env
}

func TestConfigReadsTencent(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(tencentEnv(map[string]string{
		"TENCENT_TEMPLATE_LOGIN": "2220", "TENCENT_TEMPLATE_RESET_PASSWORD": "3330", "TENCENT_TEMPLATE_CHANGE_MOBILE": "4440",
		"TENCENT_TEMPLATE_NOTICE_REGISTERED": "5550", "TENCENT_TEMPLATE_NOTICE_UNKNOWN": "6660",
		"TENCENT_REGION": "ap-singapore", "TENCENT_URL": "http://127.0.0.1:9/", "TENCENT_RECEIPT_TOKEN": "0123456789abcdef0123",
	})))
	require.NoError(t, err)
	assert.Equal(t, []string{"tencent"}, cfg.SMSProviders)
	assert.Equal(t, TencentConfig{
		SecretID: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3", SecretKey: "Gu5t9xGARNpq86cd98joQYCN3", SDKAppID: "1400006666",
		SignName: "慕学生鲜", Template: "1110",
		Templates: map[ports.SMSKind]string{
			ports.CodeFor(domain.PurposeLogin): "2220", ports.CodeFor(domain.PurposeResetPassword): "3330",
			ports.CodeFor(domain.PurposeChangeMobile): "4440", ports.NoticeRegistered: "5550",
			ports.NoticeUnknown: "6660", ports.NoticeMobileChanged: "7770",
		},
		Region: "ap-singapore", URL: "http://127.0.0.1:9/", ReceiptToken: "0123456789abcdef0123",
	}, cfg.Tencent)
}

func TestConfigTencentDefaults(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(tencentEnv(nil)))
	require.NoError(t, err)
	assert.Equal(t, "ap-guangzhou", cfg.Tencent.Region)
	assert.Equal(t, "https://sms.tencentcloudapi.com", cfg.Tencent.URL)
	assert.Empty(t, cfg.Tencent.ReceiptToken)
}

func TestConfigTencentInAFailoverList(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(tencentEnv(map[string]string{"SMS_PROVIDER": "tencent, yunpian", "YUNPIAN_API_KEY": "k"})))
	require.NoError(t, err)
	assert.Equal(t, []string{"tencent", "yunpian"}, cfg.SMSProviders)
}

func TestConfigRejectsBadTencentValuesNamingTheVariable(t *testing.T) {
	rows := []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"TENCENT_SECRET_ID": ""}, "TENCENT_SECRET_ID"},
		{map[string]string{"TENCENT_SECRET_KEY": " "}, "TENCENT_SECRET_KEY"},
		{map[string]string{"TENCENT_SMS_SDK_APP_ID": ""}, "TENCENT_SMS_SDK_APP_ID"},
		{map[string]string{"TENCENT_SMS_SDK_APP_ID": "app-1"}, "TENCENT_SMS_SDK_APP_ID"},
		{map[string]string{"TENCENT_TEMPLATE_ID": ""}, "TENCENT_TEMPLATE_ID"},
		{map[string]string{"TENCENT_TEMPLATE_ID": "SMS_1110"}, "TENCENT_TEMPLATE_ID"},
		{map[string]string{"TENCENT_TEMPLATE_LOGIN": "login"}, "TENCENT_TEMPLATE_LOGIN"},
		{map[string]string{"TENCENT_REGION": "Guangzhou"}, "TENCENT_REGION"},
		{map[string]string{"TENCENT_URL": "sms.tencentcloudapi.com"}, "TENCENT_URL"},
		{map[string]string{"TENCENT_RECEIPT_TOKEN": "short"}, "TENCENT_RECEIPT_TOKEN"},
		// SMS_NOTIFY_MOBILE_CHANGED is on by default.
		{map[string]string{"TENCENT_TEMPLATE_NOTICE_MOBILE_CHANGED": ""}, "TENCENT_TEMPLATE_NOTICE_MOBILE_CHANGED"},
		{map[string]string{"SMS_NOTIFY_REGISTERED": "true"}, "TENCENT_TEMPLATE_NOTICE_REGISTERED"},
		{map[string]string{"SMS_NOTIFY_UNKNOWN": "true"}, "TENCENT_TEMPLATE_NOTICE_UNKNOWN"},
		{map[string]string{"SMS_PROVIDER": "tencent,tencent"}, "SMS_PROVIDER"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := LoadConfig(lookupFrom(tencentEnv(row.vars)))
			require.Error(t, err)
			require.Regexp(t, "^"+row.name+" ", err.Error())
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestConfigTencentNeedsNothingWhenNotChosen(t *testing.T) {
	_, err := LoadConfig(lookupFrom(map[string]string{"SMS_PROVIDER": "console", "TENCENT_SECRET_ID": "AKIDx"}))
	require.NoError(t, err)
}

func TestConfigTencentNoticeOffNeedsNoTemplate(t *testing.T) {
	_, err := LoadConfig(lookupFrom(tencentEnv(map[string]string{
		"TENCENT_TEMPLATE_NOTICE_MOBILE_CHANGED": "", "SMS_NOTIFY_MOBILE_CHANGED": "false",
	})))
	require.NoError(t, err)
}

// The wired provider sends national numbers of DEFAULT_REGION in E.164, whatever the region.
func TestTencentSenderSendsE164ByTheDefaultRegion(t *testing.T) {
	got := make(chan []string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b struct{ PhoneNumberSet []string }
		_ = json.Unmarshal(body, &b)
		got <- b.PhoneNumberSet
		_, _ = io.WriteString(w, `{"Response":{"SendStatusSet":[{"Code":"Ok","Message":"send success"}],"RequestId":"r"}}`)
	}))
	t.Cleanup(srv.Close)
	for region, mobile := range map[string]string{"CN": "13800138000", "HK": "51234567"} {
		cfg, err := LoadConfig(lookupFrom(tencentEnv(map[string]string{"DEFAULT_REGION": region, "TENCENT_URL": srv.URL, "SMS_TIMEOUT": "2s"})))
		require.NoError(t, err)
		require.Equal(t, 2*time.Second, cfg.SMSTimeout)
		require.NoError(t, tencentSender(cfg).Send(context.Background(), ports.SMS{Mobile: mobile, Code: "123456"}))
	}
	assert.ElementsMatch(t, [][]string{{"+8613800138000"}, {"+85251234567"}}, [][]string{<-got, <-got})
}

// SMS_PROVIDER=tencent wires the Tencent provider, with SMS_TIMEOUT.
func TestSMSModuleSendsThroughTencentWithinSMSTimeout(t *testing.T) {
	release := make(chan struct{})
	hits := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Header.Get("X-TC-Action")
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	cfg, err := LoadConfig(lookupFrom(tencentEnv(map[string]string{"TENCENT_URL": srv.URL, "SMS_TIMEOUT": "100ms"})))
	require.NoError(t, err)

	var sender ports.SMSSender
	app := fx.New(fx.NopLogger, smsModule(cfg),
		fx.Supply(slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New()), fx.Populate(&sender))
	require.NoError(t, app.Err())
	start := time.Now()
	err = sender.Send(context.Background(), ports.SMS{Mobile: "13800138000", Code: "123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second, "SMS_TIMEOUT, not the 10 s default, ended the request")
	assert.Equal(t, "SendSms", <-hits)
}
