package component_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/phonenumber"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

var hkMobiles struct {
	sync.Mutex
	n int
}

// newHKMobile returns a Hong Kong mobile number (E.164) not used before in this test
// binary: libphonenumber's example mobile with its last four digits counted.
func newHKMobile(t *testing.T) string {
	t.Helper()
	hkMobiles.Lock()
	defer hkMobiles.Unlock()
	hkMobiles.n++
	example := phonenumbers.GetExampleNumberForType("HK", phonenumbers.MOBILE)
	national := phonenumbers.GetNationalSignificantNumber(example)
	e164 := fmt.Sprintf("+852%s%04d", national[:len(national)-4], hkMobiles.n)
	plan, err := phonenumber.New("CN")
	require.NoError(t, err)
	m, err := plan.Parse(e164)
	require.NoError(t, err)
	require.Equal(t, "HK", m.Region())
	require.Contains(t, []domain.NumberType{domain.NumberMobile, domain.NumberFixedLineOrMobile}, m.Type(), e164)
	return e164
}

// Codes to Hong Kong and China, from one client address.
func twoCountries(databaseURL string, more ...string) map[string]string {
	env := map[string]string{"DATABASE_URL": databaseURL, "ALLOWED_REGIONS": "CN,HK", "SMS_IP_HOURLY_LIMIT": "1000"}
	for i := 0; i+1 < len(more); i += 2 {
		env[more[i]] = more[i+1]
	}
	return env
}

func sendCode(h *harness.Harness, mobile string) harness.Response {
	r := h.Post("/code/", map[string]any{"mobile": mobile})
	h.WaitForSends()
	return r
}

func expectThrottled(t *testing.T, r harness.Response, seconds int) {
	t.Helper()
	harness.Expect(t, r, http.StatusTooManyRequests,
		fmt.Sprintf(`{"detail": "Request was throttled. Expected available in %d seconds."}`, seconds))
	require.Equal(t, fmt.Sprint(seconds), r.Header.Get("Retry-After"))
}

func sentTo(fake *sms.Fake, mobile string) int {
	n := 0
	for _, m := range fake.Outbox() {
		if m.Mobile == mobile {
			n++
		}
	}
	return n
}

// Issue 16: SMS_COUNTRY_HOURLY_LIMITS caps one country's sends per hour (429, counted by
// reason) while another country still sends; a send the vendor refused costs nothing.
func TestCountryBudgetReached(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, twoCountries(databaseURL, "SMS_COUNTRY_HOURLY_LIMITS", "HK:3,*:100", "SMS_CONVERSION_MIN_RATE", "0"))
		h.SMS.Refuse("号码格式错误")
		require.Equal(t, http.StatusBadRequest, sendCode(h, newHKMobile(t)).Status)
		h.SMS.Recover()
		for range 3 {
			require.Equal(t, http.StatusCreated, sendCode(h, newHKMobile(t)).Status, "the refused send gave its place back")
		}
		// The clock stands at 08:00:00: the hour's window ends in an hour.
		refused := newHKMobile(t)
		expectThrottled(t, sendCode(h, refused), 3600)
		assert.Zero(t, sentTo(h.SMS, refused))
		assert.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="country_hourly"`))
		for range 5 {
			require.Equal(t, http.StatusCreated, sendCode(h, harness.NewMobile()).Status, "China still sends")
		}
		h.Clock.Advance(time.Hour)
		require.Equal(t, http.StatusCreated, sendCode(h, newHKMobile(t)).Status, "a new hour, a new budget")
	})
}

// Issue 16: the conversion guard, on two replicas of one database sharing the SMS vendor
// and the clock. Hong Kong's codes are never used: after SMS_CONVERSION_MIN_SENDS of
// them the next send pauses Hong Kong (429 with Retry-After, a WARN line, the metrics),
// and the other replica, and a replica started during the pause, refuse too. China, whose
// codes are used, keeps sending throughout. After SMS_CONVERSION_PAUSE, Hong Kong sends again.
func TestConversionGuardPausesACountryOnTwoReplicas(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		env := twoCountries(databaseURL, "SMS_CONVERSION_MIN_SENDS", "6", "SMS_CONVERSION_MIN_RATE", "0.5",
			"SMS_CONVERSION_PAUSE", "20m")
		fake, clock := sms.NewFake(), harness.NewClock()
		replicas := []*harness.Harness{harness.Start(t, env, fake, clock), harness.Start(t, env, fake, clock)}

		for i := range 6 {
			clock.Advance(time.Minute)
			require.Equal(t, http.StatusCreated, sendCode(replicas[i%2], newHKMobile(t)).Status)
			// China: each code is used to sign up, on the other replica.
			mobile := harness.NewMobile()
			code := replicas[i%2].RequestCode(mobile)
			r := replicas[(i+1)%2].Post("/users/", map[string]any{"username": mobile, "code": code, "password": "correct horse"})
			require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
			replicas[(i+1)%2].AddSecrets(r.JSON(t)["token"].(string), r.JSON(t)["refresh"].(string))
		}

		// Six codes to Hong Kong, none used: the seventh send pauses it for 20 minutes.
		clock.Advance(time.Minute)
		paused := newHKMobile(t)
		expectThrottled(t, sendCode(replicas[0], paused), 1200)
		assert.Zero(t, sentTo(fake, paused))
		assert.Regexp(t, `level=WARN msg="conversion guard: code sends to a region paused, too few of its codes were used" region=HK sends=6 verified=0 until=`,
			replicas[0].Log())
		assert.Equal(t, 1.0, replicas[0].Metric("phoneauth_sms_country_paused", `region="HK"`))
		assert.Equal(t, 1.0, replicas[0].Metric("phoneauth_sms_country_pauses_total", `region="HK"`))
		assert.Equal(t, 1.0, replicas[0].Metric("phoneauth_limit_refusals_total", `reason="country_paused"`))

		// The other replica sees the pause, decided elsewhere: refused, no WARN of its own.
		clock.Advance(5 * time.Minute)
		expectThrottled(t, sendCode(replicas[1], newHKMobile(t)), 900)
		assert.NotContains(t, replicas[1].Log(), "conversion guard")
		assert.Equal(t, 1.0, replicas[1].Metric("phoneauth_sms_country_paused", `region="HK"`))
		assert.Equal(t, 0.0, replicas[1].Metric("phoneauth_sms_country_pauses_total", `region="HK"`))

		// China keeps sending on both, and so does a replica started during the pause,
		// which refuses Hong Kong: the pause is in the database.
		for _, h := range replicas {
			require.Equal(t, http.StatusCreated, sendCode(h, harness.NewMobile()).Status)
		}
		first := replicas[0]
		first.Stop()
		replicas[0] = harness.Start(t, env, fake, clock)
		expectThrottled(t, sendCode(replicas[0], newHKMobile(t)), 900)
		require.Equal(t, http.StatusCreated, sendCode(replicas[0], harness.NewMobile()).Status)

		// The pause is over: Hong Kong sends again, judged afresh, on either replica.
		clock.Advance(15 * time.Minute)
		for _, h := range replicas {
			resumed := newHKMobile(t)
			require.Equal(t, http.StatusCreated, sendCode(h, resumed).Status)
			require.Equal(t, 1, sentTo(fake, resumed))
			assert.Equal(t, 0.0, h.Metric("phoneauth_sms_country_paused", `region="HK"`))
		}
		assert.Equal(t, 1, strings.Count(first.Log()+replicas[0].Log()+replicas[1].Log(), "conversion guard"), "one pause decided")
	})
}

// Issue 16: codes that are used keep a country open however many are sent: every code
// to China here is used (to sign up, or to log in), on either replica.
func TestVerifiedCodesKeepACountryOpen(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		env := twoCountries(databaseURL, "SMS_CONVERSION_MIN_SENDS", "4", "SMS_CONVERSION_MIN_RATE", "0.75")
		fake, clock := sms.NewFake(), harness.NewClock()
		replicas := []*harness.Harness{harness.Start(t, env, fake, clock), harness.Start(t, env, fake, clock)}
		for i := range 12 {
			clock.Advance(time.Minute)
			replicas[i%2].Register(harness.NewMobile(), "correct horse")
		}
		for _, h := range replicas {
			require.Equal(t, http.StatusCreated, sendCode(h, harness.NewMobile()).Status)
			assert.NotContains(t, h.Log(), "conversion guard")
		}
	})
}
