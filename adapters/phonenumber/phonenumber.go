// Package phonenumber reads phone numbers with libphonenumber's numbering plans (the Go
// port, github.com/nyaruka/phonenumbers): any spelling of a number becomes one canonical
// E.164 form, with its region and line type.
package phonenumber

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/phoneauth/phoneauth/domain"
)

// maxLength bounds what is handed to the parser: no real spelling of a number is longer.
const maxLength = 32

// errNotNumber is every refusal: the caller answers them all alike.
var errNotNumber = errors.New("not a phone number")

// Plan parses numbers, reading those written without a country code as numbers of its
// default region.
type Plan struct{ region string }

// New returns the plan for defaultRegion, an ISO 3166 code libphonenumber knows.
func New(defaultRegion string) (Plan, error) {
	region := strings.ToUpper(defaultRegion)
	if !KnownRegion(region) {
		return Plan{}, fmt.Errorf("unknown region %q", defaultRegion)
	}
	return Plan{region: region}, nil
}

// KnownRegion tells whether region is an ISO 3166 code with a numbering plan.
func KnownRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}

// DefaultRegion is the region numbers without a country code belong to.
func (p Plan) DefaultRegion() string { return p.region }

// Parse reads raw, which may have spaces, dashes, dots, parentheses and a leading + or
// international prefix, into a valid number of a known region. Letters (which
// libphonenumber would read as a keypad's digits), digits other than ASCII (which it
// would fold), extensions and numbers too long or short for their region are refused.
func (p Plan) Parse(raw string) (domain.Mobile, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxLength {
		return domain.Mobile{}, errNotNumber
	}
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9', r == ' ', r == '-', r == '.', r == '(', r == ')':
		case r == '+' && i == 0:
		default:
			return domain.Mobile{}, errNotNumber
		}
	}
	num, err := phonenumbers.Parse(raw, p.region)
	if err != nil || num.GetExtension() != "" || !phonenumbers.IsValidNumber(num) {
		return domain.Mobile{}, errNotNumber
	}
	region := phonenumbers.GetRegionCodeForNumber(num)
	if !KnownRegion(region) { // "ZZ", or "001" for the non-geographic plans
		return domain.Mobile{}, errNotNumber
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	return domain.NewParsedMobile(e164, p.display(num, region, e164), region, numberType(phonenumbers.GetNumberType(num))), nil
}

// Display shows a stored number: a number of the default region in its national form,
// digits only (`13800138000`, as MxShop showed it), any other in E.164. A text that is no
// E.164 number (a row no migration could read) is shown as it is.
func (p Plan) Display(stored string) string {
	if !strings.HasPrefix(stored, "+") {
		return stored
	}
	num, err := phonenumbers.Parse(stored, p.region)
	if err != nil {
		return stored
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if e164 != stored {
		return stored
	}
	return p.display(num, phonenumbers.GetRegionCodeForNumber(num), e164)
}

// Normalise returns the E.164 form of a stored number written in any spelling, and false
// for a text that is not a valid number. The type does not matter: a stored number keeps
// its account whatever its line.
func (p Plan) Normalise(stored string) (string, bool) {
	m, err := p.Parse(stored)
	if err != nil {
		return "", false
	}
	return m.String(), true
}

// display is the national form of a number of the default region when it reads back as
// the same number, else E.164.
func (p Plan) display(num *phonenumbers.PhoneNumber, region, e164 string) string {
	if region != p.region {
		return e164
	}
	national := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phonenumbers.Format(num, phonenumbers.NATIONAL))
	back, err := phonenumbers.Parse(national, p.region)
	if err != nil || phonenumbers.Format(back, phonenumbers.E164) != e164 {
		return e164
	}
	return national
}

func numberType(t phonenumbers.PhoneNumberType) domain.NumberType {
	switch t {
	case phonenumbers.MOBILE:
		return domain.NumberMobile
	case phonenumbers.FIXED_LINE:
		return domain.NumberFixedLine
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return domain.NumberFixedLineOrMobile
	case phonenumbers.TOLL_FREE:
		return domain.NumberTollFree
	case phonenumbers.PREMIUM_RATE:
		return domain.NumberPremiumRate
	case phonenumbers.SHARED_COST:
		return domain.NumberSharedCost
	case phonenumbers.VOIP:
		return domain.NumberVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return domain.NumberPersonal
	case phonenumbers.PAGER:
		return domain.NumberPager
	case phonenumbers.UAN:
		return domain.NumberUAN
	case phonenumbers.VOICEMAIL:
		return domain.NumberVoicemail
	}
	return domain.NumberUnknown
}
