// Package httpapi is the Fiber adapter: it serves the MxShop users API over the use cases of ports.Application.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/phoneauth/phoneauth/ports"
)

// Config is what the HTTP layer needs from configuration.
type Config struct {
	Language       string         // default language of messages: "en" or "zh-hans"
	AllowedOrigins []string       // CORS origins, or "*"
	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed
	Metrics        http.Handler   // served at /metrics when set
	// IPv6LimitPrefix is how many leading bits of an IPv6 address abuse limits count as
	// one client; 0 means DefaultIPv6LimitPrefix.
	IPv6LimitPrefix int
	RequestTimeout  time.Duration // the longest a request may run
	// CaptchaRoutes are the POST routes whose requests must carry a CAPTCHA token that the
	// VerifyHuman query accepts; none while CAPTCHA is off.
	CaptchaRoutes []string
	// Display shows a stored (E.164) number in answers; nil shows it as stored.
	Display func(stored string) string
	// Receipts read the delivery receipts of the SMS providers that have them, by provider
	// name, served at POST /sms/receipts/{provider}/.
	Receipts map[string]ReceiptReader
}

// DefaultIPv6LimitPrefix makes a /64, the subnet one IPv6 subscriber gets at least, one client.
const DefaultIPv6LimitPrefix = 64

// Deps are the ports the HTTP layer calls.
type Deps struct {
	App       ports.Application
	Keys      ports.KeySet
	Readiness ports.Readiness
	Observer  RequestObserver
	// Deliveries counts what delivery receipts report.
	Deliveries DeliveryObserver
	Logger     *slog.Logger
}

// bodyLimit bounds request bodies: every request of this API fits in a few hundred bytes.
const bodyLimit = 64 << 10

// NewApp builds the Fiber application with every route of the contract and the
// operational ones (/healthz, /readyz, /metrics).
func NewApp(cfg Config, deps Deps) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "phoneauth",
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler(deps.Logger),
		BodyLimit:             bodyLimit,
		// Multipart bodies are parsed by decodeBody, which answers a malformed one in the
		// envelope, and only on routes that read a body.
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  15 * time.Second,
		WriteTimeout:                 15 * time.Second,
		IdleTimeout:                  2 * time.Minute,
	})
	app.Server().Handler = routeUnknownMethods(app.Server().Handler)
	app.Use(observe(deps.Logger, deps.Observer, cfg.TrustedProxies))
	app.Use(recover.New())
	app.Use(func(c *fiber.Ctx) error {
		lang := negotiateLanguage(c.Get(fiber.HeaderAcceptLanguage), cfg.Language)
		c.Locals(languageKey{}, lang)
		c.Set(fiber.HeaderContentLanguage, lang)
		c.Vary(fiber.HeaderAcceptLanguage)
		return c.Next()
	})
	app.Use(cors(cfg.AllowedOrigins))
	app.Use(deadline(cfg.RequestTimeout))

	h := handlers{app: deps.App, trustedProxies: cfg.TrustedProxies, ipv6LimitPrefix: cfg.IPv6LimitPrefix, display: cfg.Display}
	if h.ipv6LimitPrefix == 0 {
		h.ipv6LimitPrefix = DefaultIPv6LimitPrefix
	}
	// Before the routes: Fiber runs handlers in the order they were added.
	for _, path := range cfg.CaptchaRoutes {
		app.Post(path, h.requireHuman(deps.Logger))
	}
	route(app, "/code/", map[string]fiber.Handler{fiber.MethodPost: h.sendCode})
	route(app, "/users/", map[string]fiber.Handler{fiber.MethodPost: h.register})
	route(app, "/login/", map[string]fiber.Handler{fiber.MethodPost: h.login})
	route(app, "/jwt-auth/", map[string]fiber.Handler{fiber.MethodPost: h.login})
	route(app, "/login/code/", map[string]fiber.Handler{fiber.MethodPost: h.loginByCode})
	route(app, "/api-token-auth/", map[string]fiber.Handler{fiber.MethodPost: h.apiToken})
	route(app, "/token/refresh/", map[string]fiber.Handler{fiber.MethodPost: h.refresh})
	route(app, "/logout/", map[string]fiber.Handler{fiber.MethodPost: h.authenticated(h.logout)})
	// Before /users/:any/, which would take "password" or "mobile" for an id.
	route(app, "/users/password/", map[string]fiber.Handler{fiber.MethodPost: h.authenticated(h.changePassword)})
	route(app, "/users/password/reset/", map[string]fiber.Handler{fiber.MethodPost: h.resetPassword})
	route(app, "/users/mobile/", map[string]fiber.Handler{fiber.MethodPost: h.authenticated(h.changeMobile)})
	route(app, "/users/:any/", map[string]fiber.Handler{
		fiber.MethodGet:    h.authenticated(h.profile),
		fiber.MethodPatch:  h.authenticated(h.updateProfile),
		fiber.MethodPut:    h.authenticated(h.updateProfile),
		fiber.MethodDelete: h.authenticated(h.deleteAccount),
	})
	warn := func(c *fiber.Ctx, msg string, args ...any) {
		deps.Logger.Warn(msg, append([]any{"request_id", requestID(c)}, args...)...)
	}
	route(app, "/sms/receipts/:provider/", map[string]fiber.Handler{fiber.MethodPost: receipts(cfg.Receipts, deps.Deliveries, warn)})
	route(app, "/.well-known/jwks.json", map[string]fiber.Handler{fiber.MethodGet: jwks(deps.Keys)})
	route(app, "/openapi.json", map[string]fiber.Handler{fiber.MethodGet: serveOpenAPI})
	route(app, "/healthz", map[string]fiber.Handler{fiber.MethodGet: health})
	route(app, "/readyz", map[string]fiber.Handler{fiber.MethodGet: ready(deps.Readiness, deps.Logger)})
	if cfg.Metrics != nil {
		route(app, "/metrics", map[string]fiber.Handler{fiber.MethodGet: adaptor.HTTPHandler(cfg.Metrics)})
	}
	return app
}

// jwks publishes the public keys that verify access tokens.
func jwks(keys ports.KeySet) fiber.Handler {
	document := keys.JWKS()
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.Send(document)
	}
}

type statusResponse struct {
	Status string `json:"status"`
}

// health answers while the process serves requests at all: a liveness probe.
func health(c *fiber.Ctx) error {
	return writeJSON(c, fiber.StatusOK, statusResponse{"ok"})
}

// ready answers 200 only when the database is reachable and migrated: a readiness probe.
func ready(r ports.Readiness, logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := r.Ready(c.UserContext()); err != nil {
			logger.Warn("not ready", "request_id", requestID(c), "error", err)
			return writeJSON(c, fiber.StatusServiceUnavailable, statusResponse{"unavailable"})
		}
		return writeJSON(c, fiber.StatusOK, statusResponse{"ok"})
	}
}

// route serves path (with or without its trailing slash) for the given methods, answers
// OPTIONS with the Allow list, and any other method with 405.
func route(app *fiber.App, path string, byMethod map[string]fiber.Handler) {
	allow := []string{}
	for _, m := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete} {
		if h, ok := byMethod[m]; ok {
			app.Add(m, path, h)
			allow = append(allow, m)
			if m == fiber.MethodGet {
				app.Add(fiber.MethodHead, path, h)
				allow = append(allow, fiber.MethodHead)
			}
		}
	}
	allow = append(allow, fiber.MethodOptions)
	allowHeader := strings.Join(allow, ", ")
	app.Options(path, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderAllow, allowHeader)
		return c.SendStatus(fiber.StatusOK)
	})
	app.All(path, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderAllow, allowHeader)
		return fiber.ErrMethodNotAllowed
	})
}

type languageKey struct{}
type principalKey struct{}

func language(c *fiber.Ctx) string {
	if lang, ok := c.Locals(languageKey{}).(string); ok {
		return lang
	}
	return langEN
}
