package bootstrap

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
)

// Off by default: the old client sends no token, and no route asks for one.
func TestCaptchaIsOffByDefault(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(nil))
	require.NoError(t, err)
	require.Empty(t, cfg.CaptchaProvider)
	require.Empty(t, cfg.CaptchaVerifyURL)
	require.Empty(t, captchaRoutes(cfg))
	require.False(t, cfg.CaptchaFailOpen)
	require.Equal(t, 3*time.Second, cfg.CaptchaTimeout)
}

// Each provider verifies at its own siteverify endpoint unless CAPTCHA_VERIFY_URL says.
func TestCaptchaProviders(t *testing.T) {
	for provider, url := range map[string]string{
		"turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
		"hcaptcha":  "https://api.hcaptcha.com/siteverify",
		"recaptcha": "https://www.google.com/recaptcha/api/siteverify",
		"HCaptcha":  "https://api.hcaptcha.com/siteverify",
	} {
		cfg, err := LoadConfig(lookupFrom(map[string]string{"CAPTCHA_PROVIDER": provider, "CAPTCHA_SECRET": "s"}))
		require.NoError(t, err, provider)
		require.Equal(t, url, cfg.CaptchaVerifyURL, provider)
		require.Equal(t, []string{"/code/"}, captchaRoutes(cfg), provider)
	}
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"CAPTCHA_PROVIDER": "turnstile", "CAPTCHA_SECRET": "s", "CAPTCHA_VERIFY_URL": "http://127.0.0.1:9/siteverify",
		"CAPTCHA_ROUTES": "/code/, /login, /code", "CAPTCHA_FAIL_OPEN": "true", "CAPTCHA_TIMEOUT": "750ms",
	}))
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/siteverify", cfg.CaptchaVerifyURL)
	require.Equal(t, []string{"/code/", "/login/"}, cfg.CaptchaRoutes)
	require.True(t, cfg.CaptchaFailOpen)
	require.Equal(t, 750*time.Millisecond, cfg.CaptchaTimeout)
}

func TestCaptchaConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	rows := []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"CAPTCHA_PROVIDER": "geetest", "CAPTCHA_SECRET": "s"}, "CAPTCHA_PROVIDER"},
		{map[string]string{"CAPTCHA_PROVIDER": "turnstile"}, "CAPTCHA_SECRET"},
		{map[string]string{"CAPTCHA_PROVIDER": "hcaptcha", "CAPTCHA_SECRET": " "}, "CAPTCHA_SECRET"},
		{map[string]string{"CAPTCHA_SECRET": "s"}, "CAPTCHA_PROVIDER"}, // a secret alone would protect nothing
		{map[string]string{"CAPTCHA_VERIFY_URL": "ftp://x/siteverify"}, "CAPTCHA_VERIFY_URL"},
		{map[string]string{"CAPTCHA_ROUTES": "code"}, "CAPTCHA_ROUTES"},
		{map[string]string{"CAPTCHA_ROUTES": "/users/:any/"}, "CAPTCHA_ROUTES"},
		{map[string]string{"CAPTCHA_ROUTES": "/code/?x=1"}, "CAPTCHA_ROUTES"},
		{map[string]string{"CAPTCHA_ROUTES": " , "}, "CAPTCHA_ROUTES"},
		{map[string]string{"CAPTCHA_FAIL_OPEN": "sometimes"}, "CAPTCHA_FAIL_OPEN"},
		{map[string]string{"CAPTCHA_TIMEOUT": "0s"}, "CAPTCHA_TIMEOUT"},
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

// A CAPTCHA route must be a POST route of the service: checked when the app is built.
func TestCaptchaRoutesMustBePOSTRoutes(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for routes, ok := range map[string]bool{
		"/code/":                            true,
		"/code/,/login/,/users/,/jwt-auth/": true,
		"/nowhere/":                         false,
		"/healthz":                          false, // GET only
		"/code/,/users/1/":                  false, // the profile takes no POST
	} {
		cfg, err := LoadConfig(lookupFrom(map[string]string{
			"DATABASE_URL": "memory://", "CAPTCHA_PROVIDER": "recaptcha", "CAPTCHA_SECRET": "s", "CAPTCHA_ROUTES": routes,
		}))
		require.NoError(t, err)
		var app *fiber.App
		err = fx.New(Options(cfg, logger), fx.Populate(&app), fx.NopLogger).Err()
		if ok {
			require.NoError(t, err, routes)
		} else {
			require.ErrorContains(t, err, "CAPTCHA_ROUTES /", routes)
		}
	}
}

// Every CAPTCHA profile resolves.
func TestCaptchaWiringProfiles(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, provider := range []string{"", "turnstile", "hcaptcha", "recaptcha"} {
		vars := map[string]string{"DATABASE_URL": "memory://", "CAPTCHA_PROVIDER": provider}
		if provider != "" {
			vars["CAPTCHA_SECRET"] = "s"
		}
		cfg, err := LoadConfig(lookupFrom(vars))
		require.NoError(t, err)
		require.NoError(t, fx.ValidateApp(Options(cfg, logger), ServerModule), provider)
	}
}
