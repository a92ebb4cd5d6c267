// Package bootstrap reads the configuration, wires one adapter per port with fx, and
// holds the executable. It is the only reader of the environment and the only user of fx.
package bootstrap

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/adapters/captcha"
	"github.com/phoneauth/phoneauth/adapters/httpapi"
	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
)

// Config is the whole configuration, read once from the environment.
type Config struct {
	HTTPAddr           string
	DatabaseURL        string
	DatabaseMaxConns   int // Postgres connections per process
	MigrateOnStart     bool
	JWTSecret          []byte
	JWTSecretGenerated bool // no JWT_SECRET was set: tokens die with the process
	JWTAlgorithm       string
	JWTSigningKey      crypto.Signer      // EdDSA or RS256 only
	JWTVerifyKeys      []crypto.PublicKey // older public keys, kept during a rotation
	JWTTTL             time.Duration
	RefreshTTL         time.Duration // a session dies this long after its last refresh
	RefreshMaxTTL      time.Duration // and this long after its login, whatever happens
	APITokenTTL        time.Duration
	Language           string
	SMSProviders       []string // tried in order while one is unavailable
	YunpianAPIKey      string
	YunpianURL         string
	SMSWebhookURL      string
	Aliyun             sms.AliyunConfig // ALIYUN_*; the time-out is SMSTimeout
	SMSWebhookSecret   string
	Tencent            TencentConfig
	SMSTimeout         time.Duration
	SMSTemplate        string
	SMSOrigin          string // "" adds no origin-bound line
	SMSCodeLength      int
	SMSCodeTTL         time.Duration
	SMSResendInterval  time.Duration
	SMSMaxAttempts     int
	MobileRegex        string // "" leaves numbers to the numbering plan; else the display or E.164 form must match it
	Numbers            NumberConfig
	PasswordMinLength  int
	CORSAllowedOrigins []string
	ShutdownTimeout    time.Duration
	RequestTimeout     time.Duration // the longest a request may run
	HashQueueTimeout   time.Duration // the longest a password hash waits for a slot before its request is shed (503)
	// HashConcurrency is how many password hashes run at once; the others wait for a slot,
	// and a hash holds its memory while it runs.
	HashConcurrency int
	LogFormat       string // json or text
	LogLevel        slog.Level
	// MetricsAddr is where /metrics is served: "" on HTTP_ADDR, "off" nowhere, else its own address.
	MetricsAddr string

	// Abuse defence.
	TrustedProxies           []netip.Prefix
	IPv6LimitPrefix          int // bits of an IPv6 address that limits count as one client
	SMSDailyLimit            int
	SMSIPHourlyLimit         int
	SMSGlobalHourlyLimit     int
	SMSAllowedPrefixes       []string
	SMSDailyFailureLimit     int
	Guards                   GuardConfig // per-country budgets and the conversion guard
	LoginFailuresBeforeDelay int
	EnumerationProtection    bool
	SMSNotifyRegistered      bool
	SMSRegisteredTemplate    string
	SMSNotifyUnknown         bool
	SMSUnknownTemplate       string
	SMSNotifyMobileChanged   bool
	SMSMobileChangedTemplate string

	// CAPTCHA on the routes that cost money: off while CaptchaProvider is "".
	CaptchaProvider  string
	CaptchaSecret    string
	CaptchaVerifyURL string   // the provider's siteverify endpoint unless CAPTCHA_VERIFY_URL says
	CaptchaRoutes    []string // paths, each with its trailing slash
	CaptchaFailOpen  bool     // an unreachable provider lets requests through, with a warning
	CaptchaTimeout   time.Duration

	// SMS routing by region, Twilio, and the webhook's deprecated signature.
	SMSRoutes                 []SMSRoute       // SMS_ROUTES: a chain per region; nil: SMSProviders for every number
	Twilio                    sms.TwilioConfig // TWILIO_*; set apart: Timeout, E164
	SMSWebhookLegacySignature bool             // also send the deprecated X-Phoneauth-Signature
}

// DefaultSMSTemplate is the original shop's message, in English.
const DefaultSMSTemplate = "【Muxue Fresh Supermarket】Your verification code is {code}. If you did not request it, please ignore this message."

// DefaultRegisteredTemplate answers a code request for a registered mobile when
// SMS_NOTIFY_REGISTERED is on.
const DefaultRegisteredTemplate = "【Muxue Fresh Supermarket】This number already has an account: log in instead. If you did not ask for a code, please ignore this message."

// DefaultUnknownTemplate answers a request for a code to log in or reset a password for a
// number without an account when SMS_NOTIFY_UNKNOWN is on.
const DefaultUnknownTemplate = "【Muxue Fresh Supermarket】No account uses this number. If you did not ask for a code, please ignore this message."

// DefaultMobileChangedTemplate tells the old number of an account that its number changed.
const DefaultMobileChangedTemplate = "【Muxue Fresh Supermarket】Your account now uses another mobile number. If you did not change it, contact us."

// SMS provider names accepted in SMS_PROVIDER.
const (
	ProviderConsole = "console"
	ProviderYunpian = "yunpian"
	ProviderWebhook = "webhook"
	ProviderAliyun  = "aliyun"
)

// providerNames are the providers SMS_PROVIDER and SMS_ROUTES accept.
var providerNames = []string{ProviderConsole, ProviderYunpian, ProviderWebhook, ProviderAliyun, ProviderTencent, ProviderTwilio}

// minJWTSecret is the shortest JWT_SECRET accepted, in bytes: HS256 tokens and code hashes
// are only as strong as the secret, and a short one can be found offline from one token.
const minJWTSecret = 32

// LoadConfig reads the configuration through lookup (os.LookupEnv in main). The error
// names the first bad variable in one line.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	r := reader{lookup: lookup}
	cfg := Config{
		HTTPAddr:           r.addr("HTTP_ADDR", "127.0.0.1:8000"),
		DatabaseURL:        r.databaseURL("DATABASE_URL", "sqlite://phoneauth.db"),
		DatabaseMaxConns:   r.integer("DATABASE_MAX_CONNS", sqlstore.DefaultMaxConns(), sqlstore.MinConns, 1000),
		MigrateOnStart:     r.boolean("MIGRATE_ON_START", true),
		JWTTTL:             r.duration("JWT_TTL", 168*time.Hour),
		RefreshTTL:         r.duration("REFRESH_TTL", 14*24*time.Hour),
		RefreshMaxTTL:      r.duration("REFRESH_MAX_TTL", 60*24*time.Hour),
		APITokenTTL:        r.duration("API_TOKEN_TTL", 30*24*time.Hour),
		Language:           r.oneOf("LANGUAGE", "en", "en", "zh-hans"),
		SMSProviders:       r.providers("SMS_PROVIDER", ProviderConsole),
		YunpianAPIKey:      r.str("YUNPIAN_API_KEY", ""),
		YunpianURL:         r.httpURL("YUNPIAN_URL", "https://sms.yunpian.com/v2/sms/single_send.json"),
		SMSWebhookURL:      r.httpURL("SMS_WEBHOOK_URL", ""),
		SMSWebhookSecret:   r.str("SMS_WEBHOOK_SECRET", ""),
		SMSTimeout:         r.duration("SMS_TIMEOUT", 5*time.Second),
		SMSTemplate:        r.template("SMS_TEMPLATE", DefaultSMSTemplate),
		SMSOrigin:          r.host("SMS_ORIGIN"),
		SMSCodeLength:      r.integer("SMS_CODE_LENGTH", 6, 4, 10),
		SMSCodeTTL:         r.duration("SMS_CODE_TTL", 5*time.Minute),
		SMSResendInterval:  r.duration("SMS_RESEND_INTERVAL", 60*time.Second),
		SMSMaxAttempts:     r.integer("SMS_MAX_ATTEMPTS", 5, 1, 100),
		MobileRegex:        r.regex("MOBILE_REGEX", ""),
		Numbers:            r.numbers(),
		PasswordMinLength:  r.integer("PASSWORD_MIN_LENGTH", 8, 1, 1024),
		CORSAllowedOrigins: r.origins("CORS_ALLOWED_ORIGINS", "*"),
		ShutdownTimeout:    r.duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		RequestTimeout:     r.duration("REQUEST_TIMEOUT", 10*time.Second),
		HashQueueTimeout:   r.duration("HASH_QUEUE_TIMEOUT", 2*time.Second),
		HashConcurrency:    r.integer("HASH_CONCURRENCY", runtime.GOMAXPROCS(0), 1, 1024),
		LogFormat:          r.oneOf("LOG_FORMAT", "json", "json", "text"),
		LogLevel:           r.level("LOG_LEVEL", slog.LevelInfo),
		MetricsAddr:        r.metricsAddr("METRICS_ADDR"),

		TrustedProxies:           r.prefixes("TRUSTED_PROXIES"),
		IPv6LimitPrefix:          r.integer("IPV6_LIMIT_PREFIX", httpapi.DefaultIPv6LimitPrefix, 32, 128),
		SMSDailyLimit:            r.integer("SMS_DAILY_LIMIT", 10, 1, 1_000_000_000),
		SMSIPHourlyLimit:         r.integer("SMS_IP_HOURLY_LIMIT", 20, 1, 1_000_000_000),
		SMSGlobalHourlyLimit:     r.integer("SMS_GLOBAL_HOURLY_LIMIT", 1000, 1, 1_000_000_000),
		SMSAllowedPrefixes:       r.list("SMS_ALLOWED_PREFIXES"),
		SMSDailyFailureLimit:     r.integer("SMS_DAILY_FAILURE_LIMIT", 20, 1, 1_000_000_000),
		Guards:                   r.guards(),
		LoginFailuresBeforeDelay: r.integer("LOGIN_FAILURES_BEFORE_DELAY", 5, 1, 100),
		EnumerationProtection:    r.boolean("ENUMERATION_PROTECTION", false),
		SMSNotifyRegistered:      r.boolean("SMS_NOTIFY_REGISTERED", false),
		SMSRegisteredTemplate:    r.str("SMS_REGISTERED_TEMPLATE", DefaultRegisteredTemplate),
		SMSNotifyUnknown:         r.boolean("SMS_NOTIFY_UNKNOWN", false),
		SMSUnknownTemplate:       r.str("SMS_UNKNOWN_TEMPLATE", DefaultUnknownTemplate),
		SMSNotifyMobileChanged:   r.boolean("SMS_NOTIFY_MOBILE_CHANGED", true),
		SMSMobileChangedTemplate: r.str("SMS_MOBILE_CHANGED_TEMPLATE", DefaultMobileChangedTemplate),

		CaptchaProvider:  r.captchaProvider("CAPTCHA_PROVIDER"),
		CaptchaSecret:    r.str("CAPTCHA_SECRET", ""),
		CaptchaVerifyURL: r.httpURL("CAPTCHA_VERIFY_URL", ""),
		CaptchaRoutes:    r.paths("CAPTCHA_ROUTES", "/code/"),
		CaptchaFailOpen:  r.boolean("CAPTCHA_FAIL_OPEN", false),
		CaptchaTimeout:   r.duration("CAPTCHA_TIMEOUT", 3*time.Second),

		SMSRoutes:                 r.smsRoutes("SMS_ROUTES"),
		Twilio:                    r.twilio(),
		SMSWebhookLegacySignature: r.boolean("SMS_WEBHOOK_LEGACY_SIGNATURE", false),
	}
	if secret := r.str("JWT_SECRET", ""); len(secret) >= minJWTSecret {
		cfg.JWTSecret = []byte(secret)
	} else if secret != "" {
		r.fail("JWT_SECRET", "must be at least %d bytes, got %d (make one with: openssl rand -base64 48)", minJWTSecret, len(secret))
	} else if _, set := lookup("JWT_SECRET"); set {
		r.fail("JWT_SECRET", "is set but empty")
	} else {
		cfg.JWTSecret = make([]byte, 32)
		if _, err := rand.Read(cfg.JWTSecret); err != nil {
			return Config{}, fmt.Errorf("JWT_SECRET: generating a secret: %w", err)
		}
		cfg.JWTSecretGenerated = true
	}
	cfg.JWTAlgorithm = r.oneOf("JWT_ALGORITHM", "HS256", "hs256", "eddsa", "rs256")
	cfg.JWTAlgorithm = map[string]string{"hs256": "HS256", "eddsa": "EdDSA", "rs256": "RS256"}[cfg.JWTAlgorithm]
	if cfg.JWTAlgorithm != "HS256" {
		cfg.JWTSigningKey = r.signingKey("JWT_PRIVATE_KEY_FILE", cfg.JWTAlgorithm)
		for _, path := range r.list("JWT_VERIFY_KEY_FILES") {
			if key := r.publicKey("JWT_VERIFY_KEY_FILES", path); key != nil {
				cfg.JWTVerifyKeys = append(cfg.JWTVerifyKeys, key)
			}
		}
	}
	r.aliyun(&cfg)
	cfg.Tencent = r.tencent(cfg.SMSProvidersInUse())
	r.tencentNotices(cfg)
	if slices.Contains(cfg.SMSProvidersInUse(), ProviderYunpian) && cfg.YunpianAPIKey == "" {
		r.fail("YUNPIAN_API_KEY", "is required when SMS_PROVIDER includes yunpian")
	}
	if slices.Contains(cfg.SMSProvidersInUse(), ProviderWebhook) {
		if cfg.SMSWebhookURL == "" {
			r.fail("SMS_WEBHOOK_URL", "is required when SMS_PROVIDER includes webhook")
		}
		if cfg.SMSWebhookSecret == "" {
			r.fail("SMS_WEBHOOK_SECRET", "is required when SMS_PROVIDER includes webhook")
		}
	}
	r.checkSMSRouting(cfg)
	switch {
	case cfg.CaptchaProvider != "" && cfg.CaptchaSecret == "":
		r.fail("CAPTCHA_SECRET", "is required when CAPTCHA_PROVIDER is set")
	case cfg.CaptchaProvider == "" && cfg.CaptchaSecret != "":
		// A secret without a provider would leave every route open while looking protected.
		r.fail("CAPTCHA_PROVIDER", "is required when CAPTCHA_SECRET is set (turnstile, hcaptcha or recaptcha)")
	case cfg.CaptchaVerifyURL == "":
		cfg.CaptchaVerifyURL = captcha.DefaultURL(cfg.CaptchaProvider)
	}
	if r.err != nil {
		return Config{}, r.err
	}
	return cfg, nil
}

// reader parses variables and keeps the first error, so LoadConfig reads as a table.
type reader struct {
	lookup func(string) (string, bool)
	err    error
}

func (r *reader) fail(name, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s %s", name, fmt.Sprintf(format, args...))
	}
}

// raw returns the trimmed value, or def when the variable is unset or empty.
func (r *reader) raw(name, def string) string {
	v, ok := r.lookup(name)
	if v = strings.TrimSpace(v); !ok || v == "" {
		return def
	}
	return v
}

func (r *reader) str(name, def string) string { return r.raw(name, def) }

func (r *reader) addr(name, def string) string {
	v := r.raw(name, def)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		r.fail(name, "must be host:port, got %q", v)
	}
	return v
}

func (r *reader) databaseURL(name, def string) string {
	v := r.raw(name, def)
	scheme, rest, ok := strings.Cut(v, "://")
	switch {
	case scheme == "memory" && ok && rest == "":
	case !ok || rest == "":
		r.fail(name, "must be sqlite://<file> or postgres://user:pass@host:port/db, got %q", redactURL(v))
	case scheme != "sqlite" && scheme != "postgres" && scheme != "postgresql":
		r.fail(name, "has unsupported scheme %q (want sqlite, postgres, or memory for tests)", scheme)
	}
	return v
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.raw(name, strconv.FormatBool(def))
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "must be true or false, got %q", v)
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.raw(name, def.String())
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, "must be a positive duration such as 90s, 5m or 168h, got %q", v)
	}
	return d
}

func (r *reader) integer(name string, def, min, max int) int {
	v := r.raw(name, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.fail(name, "must be a whole number from %d to %d, got %q", min, max, v)
	}
	return n
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.raw(name, def))
	if !slices.Contains(allowed, v) {
		r.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
	return v
}

func (r *reader) providers(name, def string) []string {
	var out []string
	for _, p := range strings.Split(r.raw(name, def), ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		switch {
		case !slices.Contains(providerNames, p):
			r.fail(name, "has unknown provider %q (want %s, comma-separated for failover)", p, strings.Join(providerNames, ", "))
		case slices.Contains(out, p):
			r.fail(name, "names %q twice", p)
		}
		out = append(out, p)
	}
	return out
}

// captchaProvider reads the CAPTCHA provider: "" (off) when unset.
func (r *reader) captchaProvider(name string) string {
	v := strings.ToLower(r.raw(name, ""))
	switch v {
	case "", captcha.Turnstile, captcha.HCaptcha, captcha.ReCAPTCHA:
		return v
	}
	r.fail(name, "has unknown provider %q (want turnstile, hcaptcha or recaptcha, or leave it unset for none)", v)
	return ""
}

// paths reads a list of route paths such as /code/, each given its trailing slash.
func (r *reader) paths(name, def string) []string {
	var out []string
	for _, p := range strings.Split(r.raw(name, def), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#:*+ ") {
			r.fail(name, "must list route paths such as /code/ or /login/, got %q", p)
			continue
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		r.fail(name, "is empty")
	}
	return out
}

func (r *reader) httpURL(name, def string) string {
	v := r.raw(name, def)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(name, "must be an http or https URL, got %q", redactURL(v))
	}
	return v
}

func (r *reader) template(name, def string) string {
	v := r.raw(name, def)
	if !strings.Contains(v, "{code}") {
		r.fail(name, "must contain {code}")
	}
	return v
}

// hostPattern is a host name as the origin-bound line of a code names it: no scheme, port
// or path.
var hostPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func (r *reader) host(name string) string {
	v := r.raw(name, "")
	if v != "" && !hostPattern.MatchString(v) {
		r.fail(name, "must be a lower-case host name such as shop.example, got %q", v)
	}
	return v
}

func (r *reader) regex(name, def string) string {
	v := r.raw(name, def)
	if _, err := regexp.Compile(v); err != nil {
		r.fail(name, "is not a valid regular expression: %v", err)
	}
	return v
}

func (r *reader) level(name string, def slog.Level) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(r.raw(name, def.String()))); err != nil {
		r.fail(name, "must be debug, info, warn or error, got %q", r.raw(name, ""))
	}
	return l
}

func (r *reader) metricsAddr(name string) string {
	v := r.raw(name, "")
	if v == "" || v == "off" {
		return v
	}
	return r.addr(name, v)
}

// signingKey reads the PEM private key file named by the variable and checks that it
// signs with alg (Ed25519 for EdDSA, RSA for RS256).
func (r *reader) signingKey(name, alg string) crypto.Signer {
	path := r.raw(name, "")
	if path == "" {
		r.fail(name, "is required when JWT_ALGORITHM is %s", alg)
		return nil
	}
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		r.fail(name, "cannot be read: %v", err)
		return nil
	}
	key, err := jwttoken.LoadPrivateKeyPEM(pemBytes)
	if err != nil {
		r.fail(name, "holds no usable private key: %v", err)
		return nil
	}
	_, isEd := key.(ed25519.PrivateKey)
	_, isRSA := key.(*rsa.PrivateKey)
	if (alg == "EdDSA" && !isEd) || (alg == "RS256" && !isRSA) {
		r.fail(name, "holds a %T, which does not sign %s", key, alg)
	}
	return key
}

func (r *reader) publicKey(name, path string) crypto.PublicKey {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		r.fail(name, "cannot be read: %v", err)
		return nil
	}
	key, err := jwttoken.LoadPublicKeyPEM(pemBytes)
	if err != nil {
		r.fail(name, "%s holds no usable public key: %v", path, err)
		return nil
	}
	return key
}

func (r *reader) list(name string) []string {
	var out []string
	for _, v := range strings.Split(r.raw(name, ""), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// prefixes reads a list of CIDR ranges; a bare address is a range of one.
func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range r.list(name) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				r.fail(name, "must list CIDR ranges such as 10.0.0.0/8, got %q", v)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}

func (r *reader) origins(name, def string) []string {
	var out []string
	for _, o := range strings.Split(r.raw(name, def), ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
				r.fail(name, "must list * or origins such as https://shop.example.com, got %q", o)
			}
			o = strings.TrimSuffix(o, "/")
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		r.fail(name, "is empty")
	}
	return out
}

// redactURL hides the credentials of a URL before it is printed, as the SMS providers'
// errors do: user info and query.
func redactURL(v string) string { return sms.RedactURL(v) }
