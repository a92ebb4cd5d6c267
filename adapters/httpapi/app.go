// Package httpapi is the Fiber adapter: it serves the MxShop users API over ports.Accounts.
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

	"github.com/phoneauth/phoneauth/domain"
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
}

// DefaultIPv6LimitPrefix makes a /64, the subnet one IPv6 subscriber gets at least, one client.
const DefaultIPv6LimitPrefix = 64

// Deps are the ports the HTTP layer calls.
type Deps struct {
	Accounts  ports.Accounts
	Keys      ports.KeySet
	Readiness ports.Readiness
	Observer  RequestObserver
	Logger    *slog.Logger
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

	h := handlers{accounts: deps.Accounts, trustedProxies: cfg.TrustedProxies, ipv6LimitPrefix: cfg.IPv6LimitPrefix}
	if h.ipv6LimitPrefix == 0 {
		h.ipv6LimitPrefix = DefaultIPv6LimitPrefix
	}
	route(app, "/code/", map[string]fiber.Handler{fiber.MethodPost: h.sendCode})
	route(app, "/users/", map[string]fiber.Handler{fiber.MethodPost: h.register})
	route(app, "/login/", map[string]fiber.Handler{fiber.MethodPost: h.login})
	route(app, "/jwt-auth/", map[string]fiber.Handler{fiber.MethodPost: h.login})
	route(app, "/api-token-auth/", map[string]fiber.Handler{fiber.MethodPost: h.apiToken})
	route(app, "/token/refresh/", map[string]fiber.Handler{fiber.MethodPost: h.refresh})
	route(app, "/logout/", map[string]fiber.Handler{fiber.MethodPost: h.authenticated(h.logout)})
	// Before /users/:any/, which would take "password" for an id.
	route(app, "/users/password/", map[string]fiber.Handler{fiber.MethodPost: h.authenticated(h.changePassword)})
	route(app, "/users/:any/", map[string]fiber.Handler{
		fiber.MethodGet:   h.authenticated(h.profile),
		fiber.MethodPatch: h.authenticated(h.updateProfile),
		fiber.MethodPut:   h.authenticated(h.updateProfile),
	})
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
	for _, m := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch} {
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

type handlers struct {
	accounts        ports.Accounts
	trustedProxies  []netip.Prefix
	ipv6LimitPrefix int
}

// client identifies the caller for abuse limits: by IPv4 address, or by IPv6 prefix.
func (h handlers) client(c *fiber.Ctx) ports.Client {
	return ports.Client{IP: limitKey(clientAddr(c, h.trustedProxies), h.ipv6LimitPrefix)}
}

func (h handlers) sendCode(c *fiber.Ctx) error {
	body, err := decodeBody(c, "mobile")
	if err != nil {
		return err
	}
	mobile, err := h.accounts.SendCode(c.UserContext(), h.client(c), body["mobile"])
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusCreated, struct {
		Mobile string `json:"mobile"`
	}{mobile})
}

func (h handlers) register(c *fiber.Ctx) error {
	body, err := decodeBody(c, "username", "code", "password")
	if err != nil {
		return err
	}
	reg, err := h.accounts.Register(c.UserContext(), ports.SignUp{
		Username: body["username"], Code: body["code"], Password: body["password"],
	})
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusCreated, struct {
		Username string `json:"username"`
		Mobile   string `json:"mobile"`
		Token    string `json:"token"`
		Name     string `json:"name"`
		Refresh  string `json:"refresh"`
	}{reg.User.Username(), reg.User.Mobile(), reg.Access, reg.User.DisplayName(), reg.Refresh})
}

type tokenResponse struct {
	Token string `json:"token"`
}

// sessionResponse is the original's {"token"} with the refresh token beside it: extra keys
// do not break the old client.
type sessionResponse struct {
	Token   string `json:"token"`
	Refresh string `json:"refresh"`
}

// loginResponse adds the client's device token, which it presents in X-Device-Token.
type loginResponse struct {
	sessionResponse
	DeviceToken string `json:"device_token"`
}

// headerDeviceToken carries the device token of a client that logged in before.
const headerDeviceToken = "X-Device-Token"

// credentials are the login fields and the device token of a request.
func credentials(c *fiber.Ctx, body fields) ports.Credentials {
	return ports.Credentials{Username: body["username"], Password: body["password"], DeviceToken: c.Get(headerDeviceToken)}
}

func (h handlers) login(c *fiber.Ctx) error {
	body, err := decodeBody(c, "username", "password")
	if err != nil {
		return err
	}
	tokens, err := h.accounts.Login(c.UserContext(), h.client(c), credentials(c, body))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, loginResponse{sessionResponse{tokens.Access, tokens.Refresh}, tokens.DeviceToken})
}

func (h handlers) refresh(c *fiber.Ctx) error {
	body, err := decodeBody(c, "refresh")
	if err != nil {
		return err
	}
	tokens, err := h.accounts.Refresh(c.UserContext(), body["refresh"])
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, sessionResponse{tokens.Access, tokens.Refresh})
}

func (h handlers) logout(c *fiber.Ctx) error {
	body, err := decodeBody(c, "all")
	if err != nil {
		return err
	}
	all, err := optionalBoolean(c, "all", body["all"])
	if err != nil {
		return err
	}
	if err := h.accounts.Logout(c.UserContext(), principal(c), all); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handlers) changePassword(c *fiber.Ctx) error {
	body, err := decodeBody(c, "old_password", "new_password")
	if err != nil {
		return err
	}
	tokens, err := h.accounts.ChangePassword(c.UserContext(), h.client(c), principal(c), ports.PasswordChange{
		OldPassword: body["old_password"], NewPassword: body["new_password"],
	})
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, sessionResponse{tokens.Access, tokens.Refresh})
}

func (h handlers) apiToken(c *fiber.Ctx) error {
	body, err := decodeBody(c, "username", "password")
	if err != nil {
		return err
	}
	key, err := h.accounts.IssueAPIToken(c.UserContext(), h.client(c), credentials(c, body))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, tokenResponse{key})
}

// authenticated resolves the Authorization header before next; the caller must be known.
func (h handlers) authenticated(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := h.accounts.Authenticate(c.UserContext(), c.Get(fiber.HeaderAuthorization))
		if err != nil {
			return err
		}
		if p == nil {
			return domain.ErrNotAuthenticated
		}
		c.Locals(principalKey{}, *p)
		return next(c)
	}
}

func principal(c *fiber.Ctx) ports.Principal {
	p, _ := c.Locals(principalKey{}).(ports.Principal)
	return p
}

func (h handlers) profile(c *fiber.Ctx) error {
	user, err := h.accounts.Profile(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, newProfileResponse(user))
}

func (h handlers) updateProfile(c *fiber.Ctx) error {
	body, err := decodeBody(c, "name", "gender", "birthday", "email")
	if err != nil {
		return err
	}
	user, err := h.accounts.UpdateProfile(c.UserContext(), principal(c), ports.ProfileUpdate{
		Name: body["name"], Gender: body["gender"], Birthday: body["birthday"], Email: body["email"],
	})
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, newProfileResponse(user))
}

type profileResponse struct {
	Name     *string `json:"name"`
	Gender   string  `json:"gender"`
	Birthday *string `json:"birthday"`
	Email    *string `json:"email"`
	Mobile   *string `json:"mobile"`
}

func newProfileResponse(u *domain.User) profileResponse {
	return profileResponse{
		Name:     nullable(u.Name()),
		Gender:   string(u.Gender()),
		Birthday: nullable(domain.FormatBirthday(u.Birthday())),
		Email:    nullable(u.Email()),
		Mobile:   nullable(u.Mobile()),
	}
}

// nullable renders an unset optional field as JSON null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
