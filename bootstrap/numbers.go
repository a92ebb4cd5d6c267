package bootstrap

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"

	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/domain"
)

// NumberConfig is how numbers are read and where codes may go.
type NumberConfig struct {
	DefaultRegion  string              // DEFAULT_REGION: numbers without a country code are of it
	AllowedRegions []string            // ALLOWED_REGIONS: where codes may go; nil: any
	Types          []domain.NumberType // SMS_ALLOWED_NUMBER_TYPES: the line types that get codes
}

// numbers reads DEFAULT_REGION (default CN), ALLOWED_REGIONS (`*` for any; by default the
// default region, or any region when SMS_ALLOWED_PREFIXES is set, so that a configuration
// that chose its countries by prefix keeps its meaning) and SMS_ALLOWED_NUMBER_TYPES
// (default mobile,fixed_line_or_mobile).
func (r *reader) numbers() NumberConfig {
	n := NumberConfig{DefaultRegion: strings.ToUpper(r.raw("DEFAULT_REGION", "CN"))}
	if !phonenumber.KnownRegion(n.DefaultRegion) {
		r.fail("DEFAULT_REGION", "must be an ISO 3166 region code with a numbering plan (e.g. CN, HK, GB), got %q", n.DefaultRegion)
	}
	regions := r.list("ALLOWED_REGIONS")
	switch {
	case len(regions) == 0 && len(r.list("SMS_ALLOWED_PREFIXES")) > 0:
		n.AllowedRegions = nil
	case len(regions) == 0:
		n.AllowedRegions = []string{n.DefaultRegion}
	case slices.Equal(regions, []string{"*"}):
		n.AllowedRegions = nil
	default:
		for _, v := range regions {
			v = strings.ToUpper(v)
			if !phonenumber.KnownRegion(v) {
				r.fail("ALLOWED_REGIONS", "must be ISO 3166 region codes with a numbering plan, or *, got %q", v)
			}
			n.AllowedRegions = append(n.AllowedRegions, v)
		}
	}
	for _, v := range r.list("SMS_ALLOWED_NUMBER_TYPES") {
		t := domain.NumberType(strings.ToLower(v))
		if !slices.Contains(domain.NumberTypes, t) {
			names := make([]string, len(domain.NumberTypes))
			for i, t := range domain.NumberTypes {
				names[i] = string(t)
			}
			r.fail("SMS_ALLOWED_NUMBER_TYPES", "must be some of %s, got %q", strings.Join(names, ", "), v)
		}
		n.Types = append(n.Types, t)
	}
	if n.Types == nil {
		n.Types = domain.DefaultNumberTypes
	}
	return n
}

// numberPlan is the numbering plan of the configured default region.
func numberPlan(cfg Config) (phonenumber.Plan, error) {
	return phonenumber.New(cfg.Numbers.DefaultRegion)
}

// mobilePolicy reads numbers with the plan and applies MOBILE_REGEX, SMS_ALLOWED_PREFIXES,
// ALLOWED_REGIONS and SMS_ALLOWED_NUMBER_TYPES on top.
func mobilePolicy(cfg Config) (domain.MobilePolicy, error) {
	plan, err := numberPlan(cfg)
	if err != nil {
		return domain.MobilePolicy{}, err
	}
	return domain.NewNumberPolicy(plan.Parse, plan.Display, domain.NumberRules{
		Pattern: cfg.MobileRegex, Prefixes: cfg.SMSAllowedPrefixes, Regions: cfg.Numbers.AllowedRegions, Types: cfg.Numbers.Types,
	})
}

// migrateStore applies the schema's migrations, then rewrites stored mobiles to E.164,
// logging the conflicts it leaves for an operator (see sqlstore.NormaliseNumbers).
func migrateStore(ctx context.Context, cfg Config, db *bun.DB, logger *slog.Logger) error {
	plan, err := numberPlan(cfg)
	if err != nil {
		return err
	}
	return sqlstore.Migrate(ctx, db, sqlstore.WithNumbers(plan.Normalise, logger))
}
