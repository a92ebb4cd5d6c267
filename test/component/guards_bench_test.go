package component_test

import (
	"net/http"
	"testing"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// What the country limits add to a send: POST /code/ to a new Chinese mobile, through the
// whole app on SQLite (or Postgres), without the guard, with it (judging, never tripping),
// and with a country budget too.
//
//	go test ./test/component -run '^$' -bench SendCodeCountryLimits -benchtime 2000x
func BenchmarkSendCodeCountryLimits(b *testing.B) {
	limits := map[string]string{"SMS_DAILY_LIMIT": "1000000", "SMS_IP_HOURLY_LIMIT": "1000000000",
		"SMS_GLOBAL_HOURLY_LIMIT": "1000000000", "SMS_CONVERSION_MIN_SENDS": "1000000000"}
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", testdb.SQLiteURL}, {"postgres", testdb.PostgresURL}} {
		for _, c := range []struct{ name, rate, budgets string }{
			{"guard-off", "0", ""},
			{"guard", "0.2", ""},
			{"guard+budget", "0.2", "CN:1000000000,*:20"},
		} {
			b.Run(db.name+"/"+c.name, func(b *testing.B) {
				env := map[string]string{"DATABASE_URL": db.url(b), "SMS_CONVERSION_MIN_RATE": c.rate}
				if c.budgets != "" {
					env["SMS_COUNTRY_HOURLY_LIMITS"] = c.budgets
				}
				for k, v := range limits {
					env[k] = v
				}
				h := harness.New(b, env)
				mobiles := make([]string, b.N)
				for i := range mobiles {
					mobiles[i] = harness.NewMobile()
				}
				b.ResetTimer()
				for i := range b.N {
					if r, err := h.Send(http.MethodPost, "/code/", map[string]any{"mobile": mobiles[i]}); err != nil || r.Status != http.StatusCreated {
						b.Fatalf("%v %v", r, err)
					}
				}
			})
		}
	}
}
