package bootstrap

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

func lookupFrom(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(nil))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8000", cfg.HTTPAddr)
	require.Equal(t, "sqlite://phoneauth.db", cfg.DatabaseURL)
	require.Equal(t, max(4, runtime.GOMAXPROCS(0)), cfg.DatabaseMaxConns)
	require.True(t, cfg.JWTSecretGenerated)
	require.Len(t, cfg.JWTSecret, 32)
	require.Equal(t, 168*time.Hour, cfg.JWTTTL)
	require.Equal(t, 30*24*time.Hour, cfg.APITokenTTL)
	require.Equal(t, "en", cfg.Language)
	require.Equal(t, []string{"console"}, cfg.SMSProviders)
	require.Equal(t, 6, cfg.SMSCodeLength)
	require.Equal(t, 5*time.Minute, cfg.SMSCodeTTL)
	require.Equal(t, time.Minute, cfg.SMSResendInterval)
	require.Equal(t, 5, cfg.SMSMaxAttempts)
	require.Empty(t, cfg.MobileRegex, "the numbering plan decides unless MOBILE_REGEX is set")
	require.Equal(t, NumberConfig{DefaultRegion: "CN", AllowedRegions: []string{"CN"},
		Types: []domain.NumberType{domain.NumberMobile, domain.NumberFixedLineOrMobile}}, cfg.Numbers)
	require.Equal(t, 8, cfg.PasswordMinLength)
	require.Equal(t, []string{"*"}, cfg.CORSAllowedOrigins)
	require.Equal(t, 5*time.Second, cfg.SMSTimeout)
	require.Contains(t, cfg.SMSTemplate, "{code}")
	require.Equal(t, 64, cfg.IPv6LimitPrefix)
	require.Equal(t, 2*time.Second, cfg.HashQueueTimeout)
}

func TestConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	rows := []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"JWT_TTL": "abc"}, "JWT_TTL"},
		{map[string]string{"JWT_TTL": "-5m"}, "JWT_TTL"},
		{map[string]string{"SMS_PROVIDER": "yunpian"}, "YUNPIAN_API_KEY"},
		{map[string]string{"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"},
		{map[string]string{"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": "http://127.0.0.1:9/send"}, "SMS_WEBHOOK_SECRET"},
		{map[string]string{"SMS_CODE_LENGTH": "3"}, "SMS_CODE_LENGTH"},
		{map[string]string{"SMS_MAX_ATTEMPTS": "many"}, "SMS_MAX_ATTEMPTS"},
		{map[string]string{"LANGUAGE": "fr"}, "LANGUAGE"},
		{map[string]string{"MOBILE_REGEX": "(["}, "MOBILE_REGEX"},
		{map[string]string{"DEFAULT_REGION": "XX"}, "DEFAULT_REGION"},
		{map[string]string{"ALLOWED_REGIONS": "CN,Hong Kong"}, "ALLOWED_REGIONS"},
		{map[string]string{"SMS_ALLOWED_NUMBER_TYPES": "mobile,landline"}, "SMS_ALLOWED_NUMBER_TYPES"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_MAX_CONNS": "1"}, "DATABASE_MAX_CONNS"}, // migrations need 2
		{map[string]string{"DATABASE_MAX_CONNS": "lots"}, "DATABASE_MAX_CONNS"},
		{map[string]string{"HTTP_ADDR": "8000"}, "HTTP_ADDR"},
		{map[string]string{"SMS_TEMPLATE": "no placeholder"}, "SMS_TEMPLATE"},
		{map[string]string{"SMS_ORIGIN": "https://shop.example"}, "SMS_ORIGIN"},
		{map[string]string{"HASH_CONCURRENCY": "0"}, "HASH_CONCURRENCY"},
		{map[string]string{"SMS_ORIGIN": "shop.example:8443"}, "SMS_ORIGIN"},
		{map[string]string{"YUNPIAN_URL": "ftp://x"}, "YUNPIAN_URL"},
		{map[string]string{"CORS_ALLOWED_ORIGINS": "shop.example.com"}, "CORS_ALLOWED_ORIGINS"},
		{map[string]string{"JWT_SECRET": ""}, "JWT_SECRET"},
		{map[string]string{"JWT_SECRET": "secret"}, "JWT_SECRET"},
		{map[string]string{"JWT_SECRET": strings.Repeat("s", 31)}, "JWT_SECRET"},
		{map[string]string{"MIGRATE_ON_START": "perhaps"}, "MIGRATE_ON_START"},
		{map[string]string{"IPV6_LIMIT_PREFIX": "16"}, "IPV6_LIMIT_PREFIX"},
		{map[string]string{"IPV6_LIMIT_PREFIX": "129"}, "IPV6_LIMIT_PREFIX"},
		{map[string]string{"HASH_QUEUE_TIMEOUT": "0s"}, "HASH_QUEUE_TIMEOUT"},
		{map[string]string{"HASH_QUEUE_TIMEOUT": "soon"}, "HASH_QUEUE_TIMEOUT"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			_, err := LoadConfig(lookupFrom(row.vars))
			require.Error(t, err)
			require.Regexp(t, "^"+row.name+" ", err.Error())
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestConfigProviderList(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"SMS_PROVIDER": "yunpian, webhook", "YUNPIAN_API_KEY": "k",
		"SMS_WEBHOOK_URL": "https://sms.example.com/send", "SMS_WEBHOOK_SECRET": "s", "SMS_WEBHOOK_LEGACY_SIGNATURE": "true",
	}))
	require.NoError(t, err)
	require.Equal(t, []string{"yunpian", "webhook"}, cfg.SMSProviders)
}

func TestConfigErrorsHideURLCredentials(t *testing.T) {
	for name, value := range map[string]string{
		"SMS_WEBHOOK_URL": "ftp://hook-user:hook-pass@sms.example.com/send?key=SECRET",
		"DATABASE_URL":    "://db-user:db-pass@db/shop?password=SECRET",
	} {
		_, err := LoadConfig(lookupFrom(map[string]string{name: value}))
		require.Error(t, err)
		require.Regexp(t, "^"+name+" ", err.Error())
		for _, secret := range []string{"-user", "-pass", "SECRET"} {
			require.NotContains(t, err.Error(), secret, name)
		}
	}
}

func TestConfigJWTSecretIsAtLeast32Bytes(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(map[string]string{"JWT_SECRET": strings.Repeat("s", 32)}))
	require.NoError(t, err)
	require.Len(t, cfg.JWTSecret, 32)
	require.False(t, cfg.JWTSecretGenerated)

	_, err = LoadConfig(lookupFrom(map[string]string{"JWT_SECRET": "too-short-secret"}))
	require.EqualError(t, err, "JWT_SECRET must be at least 32 bytes, got 16 (make one with: openssl rand -base64 48)")
}

func TestConfigReadsNumberSettings(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"DEFAULT_REGION": "hk", "ALLOWED_REGIONS": "HK, cn", "SMS_ALLOWED_NUMBER_TYPES": "mobile,FIXED_LINE",
	}))
	require.NoError(t, err)
	require.Equal(t, NumberConfig{DefaultRegion: "HK", AllowedRegions: []string{"HK", "CN"},
		Types: []domain.NumberType{domain.NumberMobile, domain.NumberFixedLine}}, cfg.Numbers)

	cfg, err = LoadConfig(lookupFrom(map[string]string{"ALLOWED_REGIONS": "*"}))
	require.NoError(t, err)
	require.Nil(t, cfg.Numbers.AllowedRegions, "* allows every region")

	cfg, err = LoadConfig(lookupFrom(map[string]string{"SMS_ALLOWED_PREFIXES": "+852"}))
	require.NoError(t, err)
	require.Nil(t, cfg.Numbers.AllowedRegions, "a configuration that chose its countries by prefix keeps its meaning")
	cfg, err = LoadConfig(lookupFrom(map[string]string{"SMS_ALLOWED_PREFIXES": "+852", "ALLOWED_REGIONS": "CN"}))
	require.NoError(t, err)
	require.Equal(t, []string{"CN"}, cfg.Numbers.AllowedRegions)
}
