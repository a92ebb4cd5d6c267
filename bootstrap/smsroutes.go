package bootstrap

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/ports"
)

// ProviderTwilio is Twilio's Messages API, in SMS_PROVIDER and SMS_ROUTES.
const ProviderTwilio = "twilio"

// SMSRoute sends the numbers of its regions through its providers, in failover order.
type SMSRoute struct {
	Regions   []string // ISO 3166 codes, or sms.AnyRegion for the regions no route names
	Providers []string
}

// twilio reads TWILIO_*, the request time-out and the number plan aside (see newTwilio).
func (r *reader) twilio() sms.TwilioConfig {
	return sms.TwilioConfig{
		AccountSID:          r.str("TWILIO_ACCOUNT_SID", ""),
		AuthToken:           r.str("TWILIO_AUTH_TOKEN", ""),
		From:                r.str("TWILIO_FROM", ""),
		MessagingServiceSID: r.str("TWILIO_MESSAGING_SERVICE_SID", ""),
		URL:                 r.httpURL("TWILIO_URL", "https://api.twilio.com"),
		StatusCallbackURL:   r.httpURL("TWILIO_STATUS_CALLBACK_URL", ""),
	}
}

// smsRoutes reads SMS_ROUTES: routes separated by ';', each regions:providers, both
// comma-separated (CN:aliyun,yunpian;HK,MO,TW:tencent;*:twilio). Unset: no routes.
func (r *reader) smsRoutes(name string) []SMSRoute {
	var routes []SMSRoute
	var seen []string
	for _, part := range strings.Split(r.raw(name, ""), ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		regions, providers, ok := strings.Cut(part, ":")
		if !ok {
			r.fail(name, "has %q, want regions:providers (e.g. CN:aliyun,yunpian;*:twilio)", part)
			return nil
		}
		var route SMSRoute
		for _, region := range strings.Split(regions, ",") {
			region = strings.ToUpper(strings.TrimSpace(region))
			switch {
			case region != sms.AnyRegion && !phonenumber.KnownRegion(region):
				r.fail(name, "has %q, not an ISO 3166 region code with a numbering plan, nor *", region)
			case slices.Contains(seen, region):
				r.fail(name, "routes %s twice", region)
			}
			seen = append(seen, region)
			route.Regions = append(route.Regions, region)
		}
		for _, p := range strings.Split(providers, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			switch {
			case !slices.Contains(providerNames, p):
				r.fail(name, "has unknown provider %q in %q (want %s)", p, part, strings.Join(providerNames, ", "))
			case slices.Contains(route.Providers, p):
				r.fail(name, "names %q twice in %q", p, part)
			}
			route.Providers = append(route.Providers, p)
		}
		routes = append(routes, route)
	}
	return routes
}

// SMSProvidersInUse is every provider SMS_PROVIDER (without SMS_ROUTES) or SMS_ROUTES
// names, once each, in order of appearance.
func (c Config) SMSProvidersInUse() []string {
	if len(c.SMSRoutes) == 0 {
		return c.SMSProviders
	}
	var out []string
	for _, route := range c.SMSRoutes {
		for _, p := range route.Providers {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// checkSMSRouting refuses what SMS_ROUTES, SMS_PROVIDER and the providers' variables
// cannot mean together: both SMS_PROVIDER and SMS_ROUTES (which chain would a number
// take?), an allowed region that no route reaches, a provider in use without its
// settings. The variables of providers not in use are not checked.
func (r *reader) checkSMSRouting(cfg Config) {
	if len(cfg.SMSRoutes) > 0 {
		if v, set := r.lookup("SMS_PROVIDER"); set && strings.TrimSpace(v) != "" {
			r.fail("SMS_ROUTES", "and SMS_PROVIDER are both set: with SMS_ROUTES, unset SMS_PROVIDER and route the other regions with *:<providers>")
		}
		routed := map[string]bool{}
		for _, route := range cfg.SMSRoutes {
			for _, region := range route.Regions {
				routed[region] = true
			}
		}
		switch {
		case routed[sms.AnyRegion]:
		case cfg.Numbers.AllowedRegions == nil:
			r.fail("SMS_ROUTES", "has no * route, but ALLOWED_REGIONS lets codes go to any region: add *:<providers>")
		default:
			for _, region := range cfg.Numbers.AllowedRegions {
				if !routed[region] {
					r.fail("SMS_ROUTES", "has no route for %s, which ALLOWED_REGIONS allows: add %s:<providers> or *:<providers>", region, region)
				}
			}
		}
	}
	inUse := cfg.SMSProvidersInUse()
	if slices.Contains(inUse, ProviderWebhook) && cfg.SMSWebhookSecret != "" {
		if err := sms.CheckWebhookSecret(cfg.SMSWebhookSecret, cfg.SMSWebhookLegacySignature); err != nil {
			r.fail("SMS_WEBHOOK_SECRET", "%v", err)
		}
	}
	if slices.Contains(inUse, ProviderTwilio) {
		tw := cfg.Twilio
		switch {
		case tw.AccountSID == "":
			r.fail("TWILIO_ACCOUNT_SID", "is required when Twilio sends (SMS_PROVIDER or SMS_ROUTES names twilio)")
		case tw.AuthToken == "":
			r.fail("TWILIO_AUTH_TOKEN", "is required when Twilio sends (SMS_PROVIDER or SMS_ROUTES names twilio)")
		case tw.From == "" && tw.MessagingServiceSID == "":
			r.fail("TWILIO_FROM", "or TWILIO_MESSAGING_SERVICE_SID is required when Twilio sends (SMS_PROVIDER or SMS_ROUTES names twilio)")
		}
	}
}

// newTwilio is the Twilio provider, which turns the national numbers of the default
// region into the E.164 form Twilio's To needs by reading them with the number plan.
func newTwilio(cfg Config, plan phonenumber.Plan) *sms.Twilio {
	tw := cfg.Twilio
	tw.Timeout = cfg.SMSTimeout
	tw.E164 = func(mobile string) string {
		if m, err := plan.Parse(mobile); err == nil {
			return m.String()
		}
		return mobile // Twilio judges it
	}
	return sms.NewTwilio(tw)
}

// routeSMS is the sender the application gets: the chain of SMS_PROVIDER for every
// number, or with SMS_ROUTES the chain of the number's region, over senders (each
// configured provider by name, built once, so that two chains share its metrics).
func routeSMS(cfg Config, plan phonenumber.Plan, senders map[string]ports.SMSSender, logger *slog.Logger) ports.SMSSender {
	chain := func(names []string) ports.SMSSender {
		if len(names) == 1 {
			return senders[names[0]]
		}
		chained := make([]ports.SMSSender, len(names))
		for i, name := range names {
			chained[i] = senders[name]
		}
		return sms.NewFailover(chained...)
	}
	if len(cfg.SMSRoutes) == 0 {
		if len(cfg.SMSProviders) > 1 {
			logger.Info("SMS failover", "providers", strings.Join(cfg.SMSProviders, ","))
		}
		return chain(cfg.SMSProviders)
	}
	routes := map[string]ports.SMSSender{}
	for _, route := range cfg.SMSRoutes {
		c := chain(route.Providers)
		for _, region := range route.Regions {
			routes[region] = c
		}
		logger.Info("SMS route", "regions", strings.Join(route.Regions, ","), "providers", strings.Join(route.Providers, ","))
	}
	return sms.NewRouter(func(mobile string) string {
		if m, err := plan.Parse(mobile); err == nil {
			return m.Region()
		}
		return ""
	}, routes)
}
