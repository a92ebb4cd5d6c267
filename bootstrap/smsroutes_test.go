package bootstrap

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/metrics"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/ports"
)

const twilioVars = "TWILIO_ACCOUNT_SID=AC1 TWILIO_AUTH_TOKEN=t TWILIO_FROM=+15005550006"

func env(pairs string, more map[string]string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Fields(pairs) {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func TestConfigReadsSMSRoutes(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(env(twilioVars+" YUNPIAN_API_KEY=k ALLOWED_REGIONS=*", map[string]string{
		"SMS_ROUTES": " cn : yunpian , twilio ; HK,mo:twilio;*:twilio ",
	})))
	require.NoError(t, err)
	require.Equal(t, []SMSRoute{
		{Regions: []string{"CN"}, Providers: []string{"yunpian", "twilio"}},
		{Regions: []string{"HK", "MO"}, Providers: []string{"twilio"}},
		{Regions: []string{"*"}, Providers: []string{"twilio"}},
	}, cfg.SMSRoutes)
	require.Equal(t, []string{"yunpian", "twilio"}, cfg.SMSProvidersInUse())

	cfg, err = LoadConfig(lookupFrom(env("SMS_PROVIDER=yunpian YUNPIAN_API_KEY=k", nil)))
	require.NoError(t, err)
	require.Nil(t, cfg.SMSRoutes, "without SMS_ROUTES, SMS_PROVIDER is the one chain")
	require.Equal(t, []string{"yunpian"}, cfg.SMSProvidersInUse())
}

func TestConfigTwilio(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(env("SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=AC1 TWILIO_AUTH_TOKEN=t TWILIO_MESSAGING_SERVICE_SID=MG1", nil)))
	require.NoError(t, err)
	require.Equal(t, sms.TwilioConfig{AccountSID: "AC1", AuthToken: "t", MessagingServiceSID: "MG1", URL: "https://api.twilio.com"}, cfg.Twilio)
}

func TestConfigRefusesBadRoutingNamingTheVariable(t *testing.T) {
	for _, row := range []struct {
		vars map[string]string
		name string
		says string
	}{
		{env("SMS_ROUTES=CN:twilio "+twilioVars, map[string]string{"SMS_PROVIDER": "twilio"}), "SMS_ROUTES", "SMS_PROVIDER"},
		{env("SMS_ROUTES=CN:yunpian", nil), "YUNPIAN_API_KEY", "required"},
		{env("SMS_ROUTES=CN:twilio TWILIO_AUTH_TOKEN=t TWILIO_FROM=+1", nil), "TWILIO_ACCOUNT_SID", "required"},
		{env("SMS_ROUTES=CN:twilio TWILIO_ACCOUNT_SID=AC1 TWILIO_FROM=+1", nil), "TWILIO_AUTH_TOKEN", "required"},
		{env("SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=AC1 TWILIO_AUTH_TOKEN=t", nil), "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"},
		{env("SMS_PROVIDER=twilio TWILIO_URL=ftp://x "+twilioVars, nil), "TWILIO_URL", "http"},
		{env("SMS_ROUTES=CN:aliyunn", nil), "SMS_ROUTES", "unknown provider"},
		{env("SMS_ROUTES=XX:console", nil), "SMS_ROUTES", "ISO 3166"},
		{env("SMS_ROUTES=CN:console;cn:console", nil), "SMS_ROUTES", "twice"},
		{env("SMS_ROUTES=CN:console,console", nil), "SMS_ROUTES", "twice"},
		{env("SMS_ROUTES=console", nil), "SMS_ROUTES", "regions:providers"},
		{env("SMS_ROUTES=HK:console", nil), "SMS_ROUTES", "no route for CN"},
		{env("SMS_ROUTES=CN:console ALLOWED_REGIONS=*", nil), "SMS_ROUTES", "no * route"},
		{env("SMS_ROUTES=CN:console ALLOWED_REGIONS=CN,GB", nil), "SMS_ROUTES", "no route for GB"},
		{env("SMS_PROVIDER=webhook SMS_WEBHOOK_URL=http://127.0.0.1:9/", map[string]string{"SMS_WEBHOOK_SECRET": "plain whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
			"SMS_WEBHOOK_SECRET", "SMS_WEBHOOK_LEGACY_SIGNATURE"},
		{env("SMS_ROUTES=*:webhook SMS_WEBHOOK_URL=http://127.0.0.1:9/ SMS_WEBHOOK_SECRET=whsec_c2hvcnQ=", nil), "SMS_WEBHOOK_SECRET", "5 bytes"},
	} {
		_, err := LoadConfig(lookupFrom(row.vars))
		require.Error(t, err, row.vars)
		require.Regexp(t, "^"+row.name+" ", err.Error(), row.vars)
		require.Contains(t, err.Error(), row.says, row.vars)
	}
	// The providers a configuration does not use are not checked.
	_, err := LoadConfig(lookupFrom(env("SMS_ROUTES=CN:console TWILIO_URL=https://x SMS_WEBHOOK_SECRET=plain", nil)))
	require.NoError(t, err)
}

// The module's sender routes by the number's region: CN numbers (in national form, as the
// application sends them) and HK numbers (E.164) to different vendors.
func TestSMSModuleRoutesByRegion(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	vendor := func(name string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(b))
			mu.Lock()
			got[name] = append(got[name], form.Get("mobile")+form.Get("To"))
			mu.Unlock()
			if name == "yunpian" {
				_, _ = io.WriteString(w, `{"code":0,"msg":"ok"}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"sid":"SM1"}`)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	yp, tw := vendor("yunpian"), vendor("twilio")
	cfg, err := LoadConfig(lookupFrom(env(twilioVars+" YUNPIAN_API_KEY=k ALLOWED_REGIONS=CN,HK", map[string]string{
		"SMS_ROUTES": "CN:yunpian;HK:twilio", "YUNPIAN_URL": yp.URL, "TWILIO_URL": tw.URL,
	})))
	require.NoError(t, err)
	sender, receipts := buildSMS(t, cfg)
	require.NoError(t, sender.Send(context.Background(), ports.SMS{Mobile: "13800138000", Text: "a"}))
	require.NoError(t, sender.Send(context.Background(), ports.SMS{Mobile: "+85291234567", Text: "b"}))
	require.NoError(t, sender.Send(context.Background(), ports.SMS{Mobile: "+85291234568", Text: "c"}))
	require.Equal(t, map[string][]string{"yunpian": {"13800138000"}, "twilio": {"+85291234567", "+85291234568"}}, got)
	require.Contains(t, receipts, ProviderTwilio)
}

func buildSMS(t *testing.T, cfg Config) (ports.SMSSender, receiptReaders) {
	t.Helper()
	var sender ports.SMSSender
	var receipts receiptReaders
	app := fx.New(fx.Supply(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), fx.Provide(metrics.New), smsModule(cfg),
		fx.Populate(&sender, &receipts), fx.NopLogger)
	require.NoError(t, app.Err())
	return sender, receipts
}

// Twilio gets the national numbers of the default region in E.164.
func TestSMSModuleGivesTwilioE164(t *testing.T) {
	var mu sync.Mutex
	var to []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		to = append(to, form.Get("To"))
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid":"SM1"}`)
	}))
	t.Cleanup(srv.Close)
	cfg, err := LoadConfig(lookupFrom(env("SMS_PROVIDER=twilio "+twilioVars, map[string]string{"TWILIO_URL": srv.URL})))
	require.NoError(t, err)
	sender, _ := buildSMS(t, cfg)
	require.NoError(t, sender.Send(context.Background(), ports.SMS{Mobile: "13800138000", Text: "a"}))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"+8613800138000"}, to)
}
