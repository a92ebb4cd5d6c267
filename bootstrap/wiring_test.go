package bootstrap

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/test/testdb"
)

// Every wiring profile resolves: each store with each SMS provider choice.
func TestWiringProfiles(t *testing.T) {
	stores := map[string]string{
		"sqlite":   "sqlite://" + t.TempDir() + "/x.db",
		"postgres": "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"memory":   "memory://",
	}
	providers := map[string]map[string]string{
		"console":        {"SMS_PROVIDER": "console"},
		"yunpian":        {"SMS_PROVIDER": "yunpian", "YUNPIAN_API_KEY": "k"},
		"webhook":        {"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": "http://127.0.0.1:9/", "SMS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		"webhook-legacy": {"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": "http://127.0.0.1:9/", "SMS_WEBHOOK_SECRET": "s", "SMS_WEBHOOK_LEGACY_SIGNATURE": "true"},
		"failover":       {"SMS_PROVIDER": "yunpian,webhook", "YUNPIAN_API_KEY": "k", "SMS_WEBHOOK_URL": "http://127.0.0.1:9/", "SMS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		"twilio":         {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15005550006"},
		"routes": {"SMS_ROUTES": "CN:yunpian,twilio;*:twilio", "YUNPIAN_API_KEY": "k", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t",
			"TWILIO_MESSAGING_SERVICE_SID": "MG1"},
		"routes-china": {"SMS_ROUTES": "CN:aliyun,yunpian;HK,MO,TW:tencent;*:twilio", "ALLOWED_REGIONS": "*", "YUNPIAN_API_KEY": "k",
			"ALIYUN_ACCESS_KEY_ID": "id", "ALIYUN_ACCESS_KEY_SECRET": "s", "ALIYUN_SIGN_NAME": "shop", "ALIYUN_TEMPLATE_CODE": "SMS_71390007",
			"TENCENT_SECRET_ID": "AKIDx", "TENCENT_SECRET_KEY": "k", "TENCENT_SMS_SDK_APP_ID": "1400006666", "TENCENT_TEMPLATE_ID": "1110",
			"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15005550006", "SMS_NOTIFY_MOBILE_CHANGED": "false"},
		"tencent": {"SMS_PROVIDER": "tencent,yunpian", "YUNPIAN_API_KEY": "k", "TENCENT_SECRET_ID": "AKIDx", "TENCENT_SECRET_KEY": "k",
			"TENCENT_SMS_SDK_APP_ID": "1400006666", "TENCENT_TEMPLATE_ID": "1110", "SMS_NOTIFY_MOBILE_CHANGED": "false"},
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for store, url := range stores {
		for provider, vars := range providers {
			t.Run(store+"/"+provider, func(t *testing.T) {
				env := map[string]string{"DATABASE_URL": url}
				for k, v := range vars {
					env[k] = v
				}
				cfg, err := LoadConfig(lookupFrom(env))
				require.NoError(t, err)
				require.NoError(t, fx.ValidateApp(Options(cfg, logger), ServerModule))
			})
		}
	}
}

// DATABASE_MAX_CONNS sizes the Postgres pool (opening it connects to nothing yet).
func TestDatabaseMaxConnsSizesThePool(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"DATABASE_URL":       "postgres://postgres@127.0.0.1:1/test?sslmode=disable",
		"DATABASE_MAX_CONNS": "7",
	}))
	require.NoError(t, err)
	var db *bun.DB
	app := fx.New(Options(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), ServerModule, fx.Populate(&db), fx.NopLogger)
	require.NoError(t, app.Err())
	t.Cleanup(func() { _ = db.Close() })
	require.Equal(t, 7, db.Stats().MaxOpenConnections)
}

func TestMainRefusesBadConfiguration(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Main(context.Background(), nil, lookupFrom(map[string]string{"JWT_TTL": "abc"}), &stdout, &stderr)
	require.ErrorContains(t, err, "JWT_TTL")
	err = Main(context.Background(), nil, lookupFrom(map[string]string{"SMS_PROVIDER": "yunpian"}), &stdout, &stderr)
	require.ErrorContains(t, err, "YUNPIAN_API_KEY")
}

func TestMainRefusesUnreachableDatabase(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := Main(context.Background(), nil, lookupFrom(map[string]string{
		"DATABASE_URL": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
		"HTTP_ADDR":    "127.0.0.1:0",
	}), &stdout, &stderr)
	require.ErrorContains(t, err, "unreachable")
}

func TestMigrateCommand(t *testing.T) {
	urls := map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL}
	for name, newURL := range urls {
		t.Run(name, func(t *testing.T) {
			env := lookupFrom(map[string]string{"DATABASE_URL": newURL(t)})
			run := func(args ...string) string {
				var stdout, stderr bytes.Buffer
				require.NoError(t, Main(context.Background(), args, env, &stdout, &stderr))
				return stdout.String()
			}
			require.Regexp(t, `(?m)^20261127000001_initial\s+pending$`, run("migrate", "status"))
			run("migrate", "up")
			require.Regexp(t, `(?m)^20261127000001_initial\s+applied$`, run("migrate", "status"))
			run("migrate", "down")
			require.Regexp(t, `(?m)^20261127000001_initial\s+pending$`, run("migrate", "status"))
		})
	}
	var stdout, stderr bytes.Buffer
	require.Error(t, Main(context.Background(), []string{"migrate", "sideways"}, lookupFrom(map[string]string{"DATABASE_URL": testdb.SQLiteURL(t)}), &stdout, &stderr))
}
