package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// NumberType is what kind of line a number is, as the numbering plan tells it.
type NumberType string

// The number types a parser tells apart (libphonenumber's).
const (
	NumberMobile            NumberType = "mobile"
	NumberFixedLine         NumberType = "fixed_line"
	NumberFixedLineOrMobile NumberType = "fixed_line_or_mobile" // where the plan cannot tell
	NumberTollFree          NumberType = "toll_free"
	NumberPremiumRate       NumberType = "premium_rate"
	NumberSharedCost        NumberType = "shared_cost"
	NumberVoIP              NumberType = "voip"
	NumberPersonal          NumberType = "personal_number"
	NumberPager             NumberType = "pager"
	NumberUAN               NumberType = "uan"
	NumberVoicemail         NumberType = "voicemail"
	NumberUnknown           NumberType = "unknown"
)

// NumberTypes lists every type, for configuration to check names against.
var NumberTypes = []NumberType{NumberMobile, NumberFixedLine, NumberFixedLineOrMobile, NumberTollFree,
	NumberPremiumRate, NumberSharedCost, NumberVoIP, NumberPersonal, NumberPager, NumberUAN, NumberVoicemail,
	NumberUnknown}

// DefaultNumberTypes are the types codes go to unless configured otherwise: lines that
// surely or probably take a text.
var DefaultNumberTypes = []NumberType{NumberMobile, NumberFixedLineOrMobile}

// Mobile is a phone number a code may be sent to. Parsed by a numbering plan, String is
// its canonical E.164 form (the key of every uniqueness rule and limit) and Display the
// form answers show; matched by a pattern alone (NewMobilePolicy), both are the text.
type Mobile struct {
	number  string
	display string
	region  string
	kind    NumberType
}

// NewParsedMobile is a number as a numbering plan parsed it: e164 is canonical, display
// the form to show (national for the default region), region its ISO 3166 code.
func NewParsedMobile(e164, display, region string, kind NumberType) Mobile {
	if display == "" {
		display = e164
	}
	return Mobile{number: e164, display: display, region: region, kind: kind}
}

func (m Mobile) String() string { return m.number }

// Display is the form of the number that answers show.
func (m Mobile) Display() string {
	if m.display == "" {
		return m.number
	}
	return m.display
}

// Region is the ISO 3166 code of the number's country, or "" when no plan parsed it.
func (m Mobile) Region() string { return m.region }

// Type is the number's line type, or "" when no plan parsed it.
func (m Mobile) Type() NumberType { return m.kind }

// NumberParser reads any spelling of a number into its parsed Mobile, or fails.
type NumberParser func(raw string) (Mobile, error)

// MobilePolicy says what counts as a valid mobile number and which numbers may be sent
// a code.
type MobilePolicy struct {
	parse    NumberParser // nil: the pattern alone decides, on the text as sent
	display  func(stored string) string
	pattern  *regexp.Regexp
	prefixes []string
	regions  []string // nil: any region
	types    []NumberType
}

// NewMobilePolicy compiles pattern; it is anchored as written, so `^...$` is up to the
// caller. With prefixes, codes go only to numbers that start with one of them. The number
// is the text as sent: no numbering plan reads it.
func NewMobilePolicy(pattern string, prefixes ...string) (MobilePolicy, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return MobilePolicy{}, fmt.Errorf("mobile pattern: %w", err)
	}
	return MobilePolicy{pattern: re, prefixes: prefixes}, nil
}

// NumberRules are what NewNumberPolicy checks on top of the numbering plan.
type NumberRules struct {
	Pattern  string       // when set, the display or the E.164 form must match it
	Prefixes []string     // when set, codes go only to numbers whose display or E.164 form starts with one
	Regions  []string     // ISO 3166 codes codes may go to; empty: any
	Types    []NumberType // types that count as mobile; empty: DefaultNumberTypes
}

// NewNumberPolicy reads numbers with parse (display shows a stored E.164 number) and
// applies rules on top.
func NewNumberPolicy(parse NumberParser, display func(stored string) string, rules NumberRules) (MobilePolicy, error) {
	p := MobilePolicy{parse: parse, display: display, prefixes: rules.Prefixes, types: rules.Types}
	if rules.Pattern != "" {
		re, err := regexp.Compile(rules.Pattern)
		if err != nil {
			return MobilePolicy{}, fmt.Errorf("mobile pattern: %w", err)
		}
		p.pattern = re
	}
	for _, r := range rules.Regions {
		p.regions = append(p.regions, strings.ToUpper(r))
	}
	if len(p.types) == 0 {
		p.types = DefaultNumberTypes
	}
	return p, nil
}

// Reachable returns ErrPrefixNotAllowed for a number outside the allowed regions or
// prefixes, so that no SMS is paid for to a country the shop does not serve.
func (p MobilePolicy) Reachable(m Mobile) error {
	if p.regions != nil && !slices.Contains(p.regions, m.region) {
		return ErrRegionNotAllowed
	}
	if len(p.prefixes) == 0 {
		return nil
	}
	for _, prefix := range p.prefixes {
		if strings.HasPrefix(m.Display(), prefix) || strings.HasPrefix(m.number, prefix) {
			return nil
		}
	}
	return ErrPrefixNotAllowed
}

// Parse returns the Mobile for raw, or ErrInvalidMobile: not a number, not one of the
// types that count as mobile, or not matching the pattern.
func (p MobilePolicy) Parse(raw string) (Mobile, error) {
	if p.parse == nil {
		if !p.pattern.MatchString(raw) {
			return Mobile{}, ErrInvalidMobile
		}
		return Mobile{number: raw}, nil
	}
	m, err := p.parse(raw)
	if err != nil || !slices.Contains(p.types, m.kind) {
		return Mobile{}, ErrInvalidMobile
	}
	if p.pattern != nil && !p.pattern.MatchString(m.Display()) && !p.pattern.MatchString(m.number) {
		return Mobile{}, ErrInvalidMobile
	}
	return m, nil
}

// TypeRefused tells whether raw is a valid number that Parse refuses for its type alone
// (premium-rate, VoIP...), so that such refusals can be counted apart.
func (p MobilePolicy) TypeRefused(raw string) bool {
	if p.parse == nil {
		return false
	}
	m, err := p.parse(raw)
	return err == nil && !slices.Contains(p.types, m.kind)
}

// Key is the canonical form of raw: E.164 when it parses as a number of any type, else raw
// itself, so that a limit on a name typed in several spellings of one number is one limit.
func (p MobilePolicy) Key(raw string) string {
	if p.parse == nil {
		return raw
	}
	if m, err := p.parse(raw); err == nil {
		return m.number
	}
	return raw
}

// Spellings are the forms under which raw may be stored as a username or mobile: raw
// itself and, when it parses as a number of any type, its E.164 and display forms.
func (p MobilePolicy) Spellings(raw string) []string {
	out := []string{raw}
	if p.parse == nil {
		return out
	}
	m, err := p.parse(raw)
	if err != nil {
		return out
	}
	for _, s := range []string{m.number, m.Display()} {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Display shows a stored number as answers show it: national for the default region,
// E.164 for others; a text that is no number is shown as it is.
func (p MobilePolicy) Display(stored string) string {
	if p.display == nil || stored == "" {
		return stored
	}
	return p.display(stored)
}
