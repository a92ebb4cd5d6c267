package bootstrap

import (
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/captcha"
	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/ports"
)

// captchaModule verifies CAPTCHA tokens with CAPTCHA_PROVIDER's siteverify API. While it
// is unset no route asks for a token, and the verifier is one that lets nothing through.
func captchaModule(cfg Config) fx.Option {
	if cfg.CaptchaProvider == "" {
		return fx.Module("captcha-off", fx.Provide(func() ports.HumanVerifier { return captcha.Unconfigured{} }))
	}
	return fx.Module("captcha-"+cfg.CaptchaProvider, fx.Provide(func() ports.HumanVerifier {
		return captcha.New(captcha.Config{
			Provider: cfg.CaptchaProvider, Secret: cfg.CaptchaSecret, URL: cfg.CaptchaVerifyURL, Timeout: cfg.CaptchaTimeout,
		})
	}))
}

// captchaConfig is what the CAPTCHA check needs of the configuration.
func captchaConfig(cfg Config) application.CaptchaConfig {
	return application.CaptchaConfig{FailOpen: cfg.CaptchaFailOpen}
}

// captchaRoutes are the routes that need a CAPTCHA token: none while CAPTCHA is off.
func captchaRoutes(cfg Config) []string {
	if cfg.CaptchaProvider == "" {
		return nil
	}
	return cfg.CaptchaRoutes
}
