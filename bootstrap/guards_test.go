package bootstrap

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

func TestConfigGuardDefaults(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(nil))
	require.NoError(t, err)
	require.Nil(t, cfg.Guards.CountryHourly, "no country budget unless SMS_COUNTRY_HOURLY_LIMITS is set")
	require.Equal(t, domain.ConversionGuard{MinSends: 50, MinRate: 0.2, Pause: time.Hour}, cfg.Guards.Conversion)
	require.True(t, cfg.Guards.Conversion.On())
}

func TestConfigReadsGuardSettings(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"SMS_COUNTRY_HOURLY_LIMITS": "CN:1000, hk:100,*:20", "SMS_CONVERSION_MIN_SENDS": "10",
		"SMS_CONVERSION_MIN_RATE": "0.35", "SMS_CONVERSION_PAUSE": "15m",
	}))
	require.NoError(t, err)
	require.Equal(t, domain.CountryBudgets{"CN": 1000, "HK": 100, "*": 20}, cfg.Guards.CountryHourly)
	require.Equal(t, domain.ConversionGuard{MinSends: 10, MinRate: 0.35, Pause: 15 * time.Minute}, cfg.Guards.Conversion)

	cfg, err = LoadConfig(lookupFrom(map[string]string{"SMS_CONVERSION_MIN_RATE": "0"}))
	require.NoError(t, err)
	require.False(t, cfg.Guards.Conversion.On(), "a minimum rate of 0 turns the guard off")
}

func TestConfigRejectsBadGuardSettings(t *testing.T) {
	for _, bad := range []map[string]string{
		{"SMS_COUNTRY_HOURLY_LIMITS": "XX:10"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "China:10"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "CN"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "CN:many"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "CN:0"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "CN:-5"},
		{"SMS_COUNTRY_HOURLY_LIMITS": "CN:10,cn:20"},
		{"SMS_CONVERSION_MIN_SENDS": "0"},
		{"SMS_CONVERSION_MIN_SENDS": "fifty"},
		{"SMS_CONVERSION_MIN_RATE": "1.5"},
		{"SMS_CONVERSION_MIN_RATE": "-0.1"},
		{"SMS_CONVERSION_MIN_RATE": "NaN"},
		{"SMS_CONVERSION_MIN_RATE": "20%"},
		{"SMS_CONVERSION_PAUSE": "an hour"},
		{"SMS_CONVERSION_PAUSE": "0s"},
	} {
		for name, value := range bad {
			t.Run(name+"="+value, func(t *testing.T) {
				_, err := LoadConfig(lookupFrom(bad))
				require.Error(t, err)
				require.Regexp(t, "^"+name+" ", err.Error())
				require.NotContains(t, err.Error(), "\n")
			})
		}
	}
}
