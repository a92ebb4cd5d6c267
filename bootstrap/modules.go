package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/clock"
	"github.com/phoneauth/phoneauth/adapters/httpapi"
	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/adapters/memory"
	"github.com/phoneauth/phoneauth/adapters/metrics"
	"github.com/phoneauth/phoneauth/adapters/password"
	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Options is the whole application for cfg without a listening server: one module per
// adapter choice. Component tests build it and drive the *fiber.App it provides.
func Options(cfg Config, logger *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(cfg, logger),
		CoreModule,
		storeModule(cfg),
		smsModule(cfg),
		captchaModule(cfg),
		HTTPModule,
	)
}

// CoreModule provides the use cases and the adapters that have no alternative.
var CoreModule = fx.Module("core",
	fx.Provide(
		fx.Annotate(func() clock.System { return clock.System{} }, fx.As(new(ports.Clock))),
		func(cfg Config, m *metrics.Metrics) *password.Argon2id {
			return password.NewArgon2id(password.Config{Concurrency: cfg.HashConcurrency,
				QueueTimeout: cfg.HashQueueTimeout, Waited: m.HashQueueWaited})
		},
		func(h *password.Argon2id, m *metrics.Metrics) ports.PasswordHasher { return m.TimePasswords(h) },
		fx.Annotate(func(cfg Config) *secret.Secrets {
			return secret.New(secret.DeriveKey(cfg.JWTSecret, "phoneauth sms code hash"))
		}, fx.As(new(ports.Secrets))),
		fx.Annotate(func(cfg Config) *secret.DeviceTokens {
			return secret.NewDeviceTokens(secret.DeriveKey(cfg.JWTSecret, "phoneauth device token"))
		}, fx.As(new(ports.DeviceTokens))),
		newAccessTokens,
		func(t accessTokens) ports.AccessTokens { return t },
		func(t accessTokens) ports.KeySet { return t },
		useCaseConfig,
		application.NewCredentials,
		application.NewSendCode, application.NewRegister, application.NewLogIn, application.NewIssueAPIToken,
		application.NewRefresh, application.NewLogOut, application.NewChangePassword, application.NewUpdateProfile,
		application.NewLogInByCode, application.NewResetPassword, application.NewChangeMobile, application.NewDeleteAccount,
		application.NewAuthenticate, application.New,
		captchaConfig, application.NewVerifyHuman,
		metrics.New,
		func(m *metrics.Metrics) ports.Observer { return m },
		newCountryPauses,
	),
	// Code sends finishing in the background end before the store closes: the store's
	// stop hook was added when it was built, before this one, and hooks stop in reverse.
	fx.Invoke(func(lc fx.Lifecycle, s *application.SendCode) { lc.Append(fx.StopHook(s.Wait)) }),
)

// accessTokens is the configured JWT signer: it issues, verifies and publishes its keys.
type accessTokens interface {
	ports.AccessTokens
	ports.KeySet
}

// newAccessTokens signs with JWT_SECRET (HS256, what Django apps sharing the secret
// verify) or with JWT_PRIVATE_KEY_FILE (EdDSA, RS256), verifying older keys too.
func newAccessTokens(cfg Config, c ports.Clock) (accessTokens, error) {
	if cfg.JWTSigningKey == nil {
		return jwttoken.NewHS256(cfg.JWTSecret, cfg.JWTTTL, c), nil
	}
	previous := make([]jwttoken.VerificationKey, len(cfg.JWTVerifyKeys))
	for i, key := range cfg.JWTVerifyKeys {
		previous[i] = jwttoken.VerificationKey{Key: key}
	}
	tokens, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: cfg.JWTSigningKey}, previous, cfg.JWTTTL, c)
	if err != nil {
		return nil, fmt.Errorf("JWT_PRIVATE_KEY_FILE or JWT_VERIFY_KEY_FILES: %w", err)
	}
	return tokens, nil
}

// useCaseConfig is what the use cases need of the configuration.
func useCaseConfig(cfg Config) (application.Config, error) {
	mobiles, err := mobilePolicy(cfg)
	if err != nil {
		return application.Config{}, err
	}
	// A notice that is off is an empty text: nothing is sent.
	notice := func(on bool, text string) string {
		if on {
			return text
		}
		return ""
	}
	login := domain.Backoff{
		Free: cfg.LoginFailuresBeforeDelay, Base: time.Second, Max: 15 * time.Minute,
		// NIST SP 800-63B: at most 100 consecutive failures per account; past them one
		// attempt a day, never a permanent lock-out that an attacker could impose.
		HardLimit: 100, HardWait: 24 * time.Hour,
	}
	clientIP := login
	clientIP.HardLimit, clientIP.ForgetAfter = math.MaxInt, 24*time.Hour // many users may share an IP
	return application.Config{
		Mobiles:        mobiles,
		Passwords:      domain.PasswordPolicy{MinLength: cfg.PasswordMinLength},
		CodeLength:     cfg.SMSCodeLength,
		CodeTTL:        cfg.SMSCodeTTL,
		ResendInterval: cfg.SMSResendInterval,
		MaxAttempts:    cfg.SMSMaxAttempts,
		SMSTemplate:    cfg.SMSTemplate,
		SMSOrigin:      cfg.SMSOrigin,
		APITokenTTL:    cfg.APITokenTTL,
		Refresh:        domain.RefreshPolicy{Idle: cfg.RefreshTTL, Max: cfg.RefreshMaxTTL},
		Limits: application.Limits{
			MobileDaily:   cfg.SMSDailyLimit,
			IPHourly:      cfg.SMSIPHourlyLimit,
			GlobalHourly:  cfg.SMSGlobalHourlyLimit,
			CodeDaily:     cfg.SMSDailyFailureLimit,
			CountryHourly: cfg.Guards.CountryHourly,
			Conversion:    cfg.Guards.Conversion,
			LoginAccount:  login,
			LoginClientIP: clientIP,
		},
		EnumerationProtection: cfg.EnumerationProtection,
		RegisteredTemplate:    notice(cfg.SMSNotifyRegistered, cfg.SMSRegisteredTemplate),
		UnknownTemplate:       notice(cfg.SMSNotifyUnknown, cfg.SMSUnknownTemplate),
		MobileChangedTemplate: notice(cfg.SMSNotifyMobileChanged, cfg.SMSMobileChangedTemplate),
	}, nil
}

// storePorts binds one store to every persistence port.
func storePorts[S interface {
	ports.UserRepository
	ports.CodeRepository
	ports.Registrar
	ports.APITokenRepository
	ports.LimitStore
	ports.Readiness
	ports.SessionRepository
	ports.RevokedTokens
}](newStore any) fx.Option {
	return fx.Provide(
		newStore,
		func(s S) ports.UserRepository { return s },
		func(s S) ports.CodeRepository { return s },
		func(s S) ports.Registrar { return s },
		func(s S) ports.APITokenRepository { return s },
		func(s S) ports.LimitStore { return s },
		func(s S) ports.Readiness { return s },
		func(s S) ports.SessionRepository { return s },
		func(s S) ports.RevokedTokens { return s },
	)
}

// MemoryStoreModule keeps everything in process memory (DATABASE_URL=memory://): for
// tests only, since nothing survives a restart and replicas share nothing.
var MemoryStoreModule = fx.Module("memory", storePorts[*memory.Store](memory.NewStore))

// SQLStoreModule stores in SQLite or Postgres through Bun, as DATABASE_URL says.
var SQLStoreModule = fx.Module("sql",
	fx.Provide(openDatabase),
	storePorts[*sqlstore.Store](sqlstore.NewStore),
)

func storeModule(cfg Config) fx.Option {
	if strings.HasPrefix(cfg.DatabaseURL, "memory://") {
		return MemoryStoreModule
	}
	return SQLStoreModule
}

// openDatabase opens the pool now and checks and migrates the database when the app
// starts, so that a database that is down stops the start with a clear error. Requests'
// statements end on the server at half the request deadline; migrations run on a
// connection of their own, without it.
func openDatabase(lc fx.Lifecycle, cfg Config, logger *slog.Logger, m *metrics.Metrics) (*bun.DB, error) {
	db, err := sqlstore.Open(cfg.DatabaseURL, cfg.DatabaseMaxConns, cfg.RequestTimeout/2)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	m.WatchDatabase(db.DB)
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := sqlstore.Ping(ctx, db); err != nil {
				return fmt.Errorf("database %s unreachable: %w", redactURL(cfg.DatabaseURL), err)
			}
			if !cfg.MigrateOnStart {
				return nil
			}
			if err := migrateOnStart(ctx, cfg, db, logger); err != nil {
				return fmt.Errorf("migrating database: %w", err)
			}
			logger.Info("database ready", "dialect", db.Dialect().Name().String())
			return nil
		},
		OnStop: func(context.Context) error { return db.Close() },
	})
	return db, nil
}

// migrateOnStart migrates Postgres through a handle without the requests' timeouts, which
// a long migration or a wait for another replica's would outlive; SQLite has none, and one
// connection, which the served handle already holds.
func migrateOnStart(ctx context.Context, cfg Config, served *bun.DB, logger *slog.Logger) error {
	if served.Dialect().Name() != dialect.PG {
		return migrateStore(ctx, cfg, served, logger)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrateStore(ctx, cfg, db, logger)
}

// receiptReaders read the delivery receipts of the providers in use that have them, by
// provider name (see httpapi.Config.Receipts).
type receiptReaders map[string]httpapi.ReceiptReader

// smsModule builds the configured providers, wrapped in failover when there are several,
// and in a router by region with SMS_ROUTES, and the readers of their delivery receipts.
func smsModule(cfg Config) fx.Option {
	return fx.Module("sms", fx.Provide(func(logger *slog.Logger, m *metrics.Metrics) (ports.SMSSender, receiptReaders, error) {
		plan, err := numberPlan(cfg)
		if err != nil {
			return nil, nil, err
		}
		receipts := receiptReaders{}
		senders := make(map[string]ports.SMSSender, len(cfg.SMSProvidersInUse()))
		for _, name := range cfg.SMSProvidersInUse() {
			var sender ports.SMSSender
			switch name {
			case ProviderConsole:
				logger.Warn("SMS_PROVIDER console writes every message, codes included, to this log: use it for development only")
				sender = sms.NewConsole(logger)
			case ProviderYunpian:
				sender = sms.NewYunpian(sms.YunpianConfig{APIKey: cfg.YunpianAPIKey, URL: cfg.YunpianURL, Timeout: cfg.SMSTimeout})
			case ProviderWebhook:
				if sender, err = sms.NewWebhook(sms.WebhookConfig{URL: cfg.SMSWebhookURL, Secret: cfg.SMSWebhookSecret,
					LegacySignature: cfg.SMSWebhookLegacySignature, Timeout: cfg.SMSTimeout}); err != nil {
					return nil, nil, fmt.Errorf("SMS_WEBHOOK_SECRET: %w", err)
				}
				switch {
				case cfg.SMSWebhookLegacySignature:
					logger.Warn("SMS_WEBHOOK_LEGACY_SIGNATURE is deprecated: move the receiver to the Standard Webhooks headers, then turn it off")
				case !strings.Contains(cfg.SMSWebhookSecret, "whsec_"):
					logger.Warn("SMS_WEBHOOK_SECRET is a plain secret: it signs the Standard Webhooks headers only; a receiver that checks X-Phoneauth-Signature needs SMS_WEBHOOK_LEGACY_SIGNATURE=true until it moves over")
				}
			case ProviderTwilio:
				tw := newTwilio(cfg, plan)
				sender, receipts[name] = tw, tw.ReadReceipt
			case ProviderAliyun:
				aliyunCfg := cfg.Aliyun
				aliyunCfg.Timeout = cfg.SMSTimeout
				aliyun := sms.NewAliyun(aliyunCfg)
				sender, receipts[name] = aliyun, aliyun.ReadReceipt
			case ProviderTencent:
				tencent := tencentSender(cfg)
				sender, receipts[name] = tencent, tencent.ReadReceipt
			}
			senders[name] = m.ObserveSMS(name, sender)
		}
		return routeSMS(cfg, plan, senders, logger), receipts, nil
	}))
}

// HTTPModule provides the Fiber app, without listening.
var HTTPModule = fx.Module("http", fx.Provide(func(cfg Config, d httpDeps) (*fiber.App, error) {
	plan, err := numberPlan(cfg)
	if err != nil {
		return nil, err
	}
	var metricsHandler http.Handler
	if cfg.MetricsAddr == "" {
		metricsHandler = d.Metrics.Handler()
	}
	app := httpapi.NewApp(httpapi.Config{
		Language: cfg.Language, AllowedOrigins: cfg.CORSAllowedOrigins, TrustedProxies: cfg.TrustedProxies,
		Metrics: metricsHandler, IPv6LimitPrefix: cfg.IPv6LimitPrefix, RequestTimeout: cfg.RequestTimeout,
		CaptchaRoutes: captchaRoutes(cfg),
		Display:       plan.Display,
		Receipts:      d.Receipts,
	}, httpapi.Deps{App: d.App, Keys: d.Keys, Readiness: d.Readiness, Observer: d.Metrics, Deliveries: d.Metrics, Logger: d.Logger})
	if err := httpapi.CheckCaptchaRoutes(app, captchaRoutes(cfg)); err != nil {
		return nil, fmt.Errorf("CAPTCHA_ROUTES %w", err)
	}
	return app, nil
}))

type httpDeps struct {
	fx.In
	App       ports.Application
	Keys      ports.KeySet
	Readiness ports.Readiness
	Metrics   *metrics.Metrics
	Logger    *slog.Logger
	Receipts  receiptReaders
}

// ServerModule listens on HTTP_ADDR (and METRICS_ADDR when set) when the app starts, and
// lets in-flight requests finish when it stops.
var ServerModule = fx.Module("server", fx.Invoke(func(lc fx.Lifecycle, app *fiber.App, cfg Config, logger *slog.Logger, m *metrics.Metrics) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
			}
			logger.Info("phoneauth listening", "addr", ln.Addr().String())
			go func() {
				if err := app.Listener(httpapi.LingeringListener(ln)); err != nil {
					logger.Error("server stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return app.ShutdownWithContext(ctx) },
	})
	if cfg.MetricsAddr == "" || cfg.MetricsAddr == "off" {
		return
	}
	server := &http.Server{Addr: cfg.MetricsAddr, Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.MetricsAddr)
			if err != nil {
				return fmt.Errorf("METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
			}
			logger.Info("metrics listening", "addr", ln.Addr().String())
			go func() {
				if err := server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error("metrics server stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: server.Shutdown,
	})
}))
