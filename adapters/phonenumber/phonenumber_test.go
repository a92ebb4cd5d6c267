package phonenumber_test

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/domain"
)

func plan(t *testing.T, region string) phonenumber.Plan {
	t.Helper()
	p, err := phonenumber.New(region)
	require.NoError(t, err)
	return p
}

func TestEverySpellingIsOneNumber(t *testing.T) {
	p := plan(t, "CN")
	for _, raw := range []string{"13800138000", "138 0013 8000", "+86 138-0013-8000", "+8613800138000",
		"008613800138000", "(138) 0013.8000", " 13800138000 "} {
		t.Run(raw, func(t *testing.T) {
			m, err := p.Parse(raw)
			require.NoError(t, err)
			assert.Equal(t, "+8613800138000", m.String())
			assert.Equal(t, "13800138000", m.Display(), "a number of the default region is shown nationally")
			assert.Equal(t, "CN", m.Region())
			assert.Equal(t, domain.NumberMobile, m.Type())
		})
	}
}

func TestOtherRegionsAreShownInE164(t *testing.T) {
	m, err := plan(t, "CN").Parse("+852 6123 4567")
	require.NoError(t, err)
	assert.Equal(t, "+85261234567", m.String())
	assert.Equal(t, "+85261234567", m.Display())
	assert.Equal(t, "HK", m.Region())

	hk := plan(t, "hk")
	m, err = hk.Parse("6123 4567")
	require.NoError(t, err, "a number without a country code is of the default region")
	assert.Equal(t, "+85261234567", m.String())
	assert.Equal(t, "61234567", m.Display())
	assert.Equal(t, "+8613800138000", hk.Display("+8613800138000"))
}

func TestDisplayShowsStoredNumbers(t *testing.T) {
	p := plan(t, "CN")
	assert.Equal(t, "13800138000", p.Display("+8613800138000"))
	assert.Equal(t, "+85261234567", p.Display("+85261234567"))
	assert.Equal(t, "01012345678", p.Display("+861012345678"), "national form with its trunk prefix, digits only")
	for _, stored := range []string{"13800138000", "alice", "+86 138 0013 8000", "+99912345678"} {
		assert.Equal(t, stored, p.Display(stored), "a text that is no stored E.164 number is shown as it is")
	}
}

func TestBadNumbersAreRefused(t *testing.T) {
	p := plan(t, "CN")
	for name, raw := range map[string]string{
		"letters":             "1380013800a",
		"vanity letters":      "1-800-FLOWERS",
		"too short":           "1380013800",
		"too long":            "138001380000",
		"unknown region":      "+99912345678",
		"non-geographic plan": "+80012345678",
		"full-width digits":   "１３８００１３８０００",
		"arabic-indic digits": "١٣٨٠٠١٣٨٠٠٠",
		"extension":           "13800138000 ext. 12",
		"extension x":         "13800138000x12",
		"extension semicolon": "+8613800138000;ext=12",
		"extension hash":      "13800138000#12",
		"plus inside":         "138+00138000",
		"empty":               "",
		"blank":               "   ",
		"huge":                "1380013800013800138000138001380001380013800",
		"unassigned block":    "14000000000",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Parse(raw)
			require.Error(t, err)
			_, ok := p.Normalise(raw)
			require.False(t, ok)
		})
	}
}

func TestNumberTypes(t *testing.T) {
	p := plan(t, "CN")
	rows := []struct {
		region string
		kind   phonenumbers.PhoneNumberType
		want   domain.NumberType
	}{
		{"GB", phonenumbers.VOIP, domain.NumberVoIP},
		{"GB", phonenumbers.PREMIUM_RATE, domain.NumberPremiumRate},
		{"CN", phonenumbers.PREMIUM_RATE, domain.NumberPremiumRate},
		{"GB", phonenumbers.TOLL_FREE, domain.NumberTollFree},
		{"FR", phonenumbers.SHARED_COST, domain.NumberSharedCost},
		{"GB", phonenumbers.PAGER, domain.NumberPager},
		{"GB", phonenumbers.UAN, domain.NumberUAN},
		{"GB", phonenumbers.PERSONAL_NUMBER, domain.NumberPersonal},
		{"CN", phonenumbers.FIXED_LINE, domain.NumberFixedLine},
		{"US", phonenumbers.MOBILE, domain.NumberFixedLineOrMobile},
		{"GB", phonenumbers.MOBILE, domain.NumberMobile},
	}
	for _, row := range rows {
		t.Run(row.region+" "+string(row.want), func(t *testing.T) {
			example := phonenumbers.GetExampleNumberForType(row.region, row.kind)
			require.NotNil(t, example)
			e164 := phonenumbers.Format(example, phonenumbers.E164)
			m, err := p.Parse(e164)
			require.NoError(t, err)
			assert.Equal(t, row.want, m.Type(), e164)
		})
	}
}

// The policy the service builds refuses the types that must get no code, as the contract
// refuses an invalid number, and SMS_ALLOWED_NUMBER_TYPES widens it.
func TestPolicyRefusesVoIPAndPremiumRate(t *testing.T) {
	p := plan(t, "CN")
	policy, err := domain.NewNumberPolicy(p.Parse, p.Display, domain.NumberRules{})
	require.NoError(t, err)
	for _, raw := range []string{"+445612345678", "+449012345678", "+8616812345"} { // GB VoIP, GB and CN premium rate
		_, err := policy.Parse(raw)
		require.ErrorIs(t, err, domain.ErrInvalidMobile, raw)
	}
	_, err = policy.Parse("+447400123456")
	require.NoError(t, err, "a GB mobile")

	wide, err := domain.NewNumberPolicy(p.Parse, p.Display, domain.NumberRules{
		Types: []domain.NumberType{domain.NumberMobile, domain.NumberVoIP}})
	require.NoError(t, err)
	_, err = wide.Parse("+445612345678")
	require.NoError(t, err)
}

func TestUnknownDefaultRegion(t *testing.T) {
	_, err := phonenumber.New("XX")
	require.Error(t, err)
	assert.True(t, phonenumber.KnownRegion("cn"))
	assert.False(t, phonenumber.KnownRegion("001"))
}

// BenchmarkParse is what reading one number costs; the first call loads the metadata.
func BenchmarkParse(b *testing.B) {
	p, err := phonenumber.New("CN")
	require.NoError(b, err)
	for b.Loop() {
		if _, err := p.Parse("+86 138-0013-8000"); err != nil {
			b.Fatal(err)
		}
	}
}
