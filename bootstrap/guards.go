package bootstrap

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/phoneauth/phoneauth/adapters/metrics"
	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// GuardConfig is the pumping defence per destination country.
type GuardConfig struct {
	CountryHourly domain.CountryBudgets // SMS_COUNTRY_HOURLY_LIMITS; nil: no country budget
	Conversion    domain.ConversionGuard
}

// guards reads SMS_COUNTRY_HOURLY_LIMITS (`CN:1000,HK:100,*:20`; unset: none),
// SMS_CONVERSION_MIN_SENDS (default 50), SMS_CONVERSION_MIN_RATE (default 0.2, from 0 to
// 1; 0 turns the conversion guard off) and SMS_CONVERSION_PAUSE (default 1h).
func (r *reader) guards() GuardConfig {
	g := GuardConfig{Conversion: domain.ConversionGuard{
		MinSends: r.integer("SMS_CONVERSION_MIN_SENDS", 50, 1, 1_000_000_000),
		MinRate:  r.rate("SMS_CONVERSION_MIN_RATE", 0.2),
		Pause:    r.duration("SMS_CONVERSION_PAUSE", time.Hour),
	}}
	const name = "SMS_COUNTRY_HOURLY_LIMITS"
	for _, entry := range r.list(name) {
		region, limit, ok := strings.Cut(entry, ":")
		region = strings.ToUpper(strings.TrimSpace(region))
		n, err := strconv.Atoi(strings.TrimSpace(limit))
		switch {
		case !ok || err != nil || n < 1 || n > 1_000_000_000:
			r.fail(name, "must be REGION:LIMIT pairs such as CN:1000,HK:100,*:20 with limits from 1 to 1000000000, got %q", entry)
		case region != domain.AnyRegion && !phonenumber.KnownRegion(region):
			r.fail(name, "must name ISO 3166 region codes with a numbering plan, or *, got %q", region)
		case g.CountryHourly[region] != 0:
			r.fail(name, "names %q twice", region)
		default:
			if g.CountryHourly == nil {
				g.CountryHourly = domain.CountryBudgets{}
			}
			g.CountryHourly[region] = n
		}
	}
	return g
}

func (r *reader) rate(name string, def float64) float64 {
	v := r.raw(name, strconv.FormatFloat(def, 'f', -1, 64))
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		r.fail(name, "must be a share from 0 to 1 such as 0.2, got %q", v)
	}
	return f
}

// newCountryPauses tells the conversion guard's pauses to the log (WARN, for a pause this
// replica decided) and to the metrics. Issue 19's audit trail joins them here.
func newCountryPauses(logger *slog.Logger, m *metrics.Metrics, clock ports.Clock) ports.CountryPauses {
	return countryPauses{logger, m.ObservePauses(clock.Now)}
}

type countryPauses struct {
	logger  *slog.Logger
	metrics *metrics.Pauses
}

func (p countryPauses) CountryPaused(pause domain.CountryPause) {
	if pause.Decided {
		p.logger.Warn("conversion guard: code sends to a region paused, too few of its codes were used",
			"region", pause.Region, "sends", pause.Sends, "verified", pause.Verified,
			"until", pause.Until.UTC().Format(time.RFC3339))
	}
	p.metrics.CountryPaused(pause)
}
