package component_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// guessPaths are the routes that take a code for a purpose whose sends hide accounts.
var guessPaths = map[string]func(h *harness.Harness, mobile, code string) harness.Response{
	"login": func(h *harness.Harness, mobile, code string) harness.Response {
		return loginByCode(h, mobile, code)
	},
	"reset_password": func(h *harness.Harness, mobile, code string) harness.Response {
		return resetPassword(h, mobile, code, "battery staple")
	},
}

// A code to log in or reset a password for a number without an account is answered as
// for any number, and nobody is sent anything; the stand-in code stored in its place
// answers guesses as a real code does: wrong, then exhausted, then expired.
func TestUnknownNumbersGetTheAnswersKnownOnesGet(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "100", "SMS_DAILY_FAILURE_LIMIT": "100"})
		h.AddSecrets("battery staple")
		for purpose, guess := range guessPaths {
			t.Run(purpose, func(t *testing.T) {
				known, unknown := harness.NewMobile(), harness.NewMobile()
				h.Register(known, "correct horse")
				h.Clock.Advance(time.Minute)

				standIns := h.Metric("phoneauth_codes_total", `event="stand_in"`)
				k, u := askCode(h, known, purpose), askCode(h, unknown, purpose)
				require.Equal(t, http.StatusCreated, k.Status, "body: %s", k.Body)
				require.Equal(t, k.Status, u.Status)
				require.Equal(t, `{"mobile":"`+known+`"}`, string(k.Body))
				require.Equal(t, `{"mobile":"`+unknown+`"}`, string(u.Body))
				require.Equal(t, k.Header.Get("Content-Type"), u.Header.Get("Content-Type"))
				h.WaitForSends()
				require.Empty(t, textsTo(h, unknown), "no code for a number without an account")
				require.Equal(t, standIns+1, h.Metric("phoneauth_codes_total", `event="stand_in"`), "a stand-in is stored, and counted")
				code := harness.CodePattern.FindString(textsTo(h, known)[1])
				require.NotEmpty(t, code)
				h.AddSecrets(code)

				// The stand-in holds the slot as a real code does.
				harness.Expect(t, askCode(h, known, purpose), http.StatusBadRequest, tooSoon)
				harness.Expect(t, askCode(h, unknown, purpose), http.StatusBadRequest, tooSoon)

				for i := range 5 {
					k, u := guess(h, known, harness.WrongCode(code)), guess(h, unknown, harness.WrongCode(code))
					harness.Expect(t, k, http.StatusBadRequest, codeMismatch)
					require.Equal(t, k.String(), u.String(), "wrong guess %d", i+1)
				}
				k, u = guess(h, known, code), guess(h, unknown, code)
				harness.Expect(t, k, http.StatusBadRequest, codeExhausted)
				require.Equal(t, k.String(), u.String(), "sixth guess")

				h.Clock.Advance(time.Minute)
				code = codeFor(t, h, known, purpose)
				standIn(t, h, unknown, purpose)
				h.Clock.Advance(5 * time.Minute)
				k, u = guess(h, known, code), guess(h, unknown, code)
				harness.Expect(t, k, http.StatusBadRequest, codeExpired)
				require.Equal(t, k.String(), u.String(), "a guess after the lifetime")
			})
		}
	})
}

// SMS_NOTIFY_UNKNOWN texts a number without an account a notice instead of a code.
func TestUnknownNumbersCanBeToldTheyHaveNoAccount(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"default text": {"SMS_NOTIFY_UNKNOWN": "true"},
		"own text":     {"SMS_NOTIFY_UNKNOWN": "true", "SMS_UNKNOWN_TEMPLATE": "No account here."},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := bootstrap.DefaultUnknownTemplate
			if text, ok := env["SMS_UNKNOWN_TEMPLATE"]; ok {
				want = text
			}
			h := harness.New(t, env)
			known := harness.NewMobile()
			h.Register(known, "correct horse")
			h.Clock.Advance(time.Minute)
			for _, purpose := range []string{"login", "reset_password"} {
				unknown := harness.NewMobile()
				harness.Expect(t, askCode(h, unknown, purpose), http.StatusCreated, `{"mobile": "`+unknown+`"}`)
				h.WaitForSends()
				require.Equal(t, []string{want}, textsTo(h, unknown))
				codeFor(t, h, known, purpose) // a number with an account gets its code
				h.Clock.Advance(time.Minute)
			}
		})
	}
}

// Under ENUMERATION_PROTECTION a registered number's registration code is a stand-in:
// guesses at it fare as guesses at an unregistered number's real code.
func TestEnumerationProtectionHidesRegisteredNumbersFromGuesses(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "ENUMERATION_PROTECTION": "true", "SMS_DAILY_FAILURE_LIMIT": "100"})
		registered, fresh := harness.NewMobile(), harness.NewMobile()
		h.Register(registered, "correct horse")
		h.Clock.Advance(time.Minute)
		guess := func(mobile, code string) harness.Response {
			return h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
		}

		code := codeFor(t, h, fresh, "")
		standIn(t, h, registered, "") // no SMS_NOTIFY_REGISTERED: nothing is texted
		for i := range 5 {
			r, f := guess(registered, harness.WrongCode(code)), guess(fresh, harness.WrongCode(code))
			harness.Expect(t, f, http.StatusBadRequest, codeMismatch)
			require.Equal(t, f.String(), r.String(), "wrong guess %d", i+1)
		}
		r, f := guess(registered, code), guess(fresh, code)
		harness.Expect(t, f, http.StatusBadRequest, codeExhausted)
		require.Equal(t, f.String(), r.String(), "sixth guess")

		h.Clock.Advance(time.Minute)
		code = codeFor(t, h, fresh, "")
		standIn(t, h, registered, "")
		h.Clock.Advance(5 * time.Minute)
		r, f = guess(registered, code), guess(fresh, code)
		harness.Expect(t, f, http.StatusBadRequest, codeExpired)
		require.Equal(t, f.String(), r.String(), "a guess after the lifetime")
		h.Login(registered, "correct horse")
	})
}

// slowSMS is a vendor that takes its time to accept a text.
type slowSMS struct {
	ports.SMSSender
	delay time.Duration
}

func (s slowSMS) Send(ctx context.Context, msg ports.SMS) error {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.SMSSender.Send(ctx, msg)
}

// With a vendor that takes 150 ms, a code request for a number that gets a text (one with
// an account; under ENUMERATION_PROTECTION, one without) is answered in the time of one
// that gets none: the answer comes before the vendor is called. Medians of 30 alternating
// requests each must be within 20% of each other, and far below the vendor's 150 ms,
// which a send before the answer would add to every request of one side.
//
// It runs before the package's parallel tests (it is not parallel itself), one database
// after the other, to keep their load out of the measurement. What other processes on
// the machine do still moves answers of a few milliseconds by a few milliseconds: while
// the medians are apart, 30 more requests each join the count, up to 150 each. A leak of
// the vendor's time fails at the first 30.
func TestCodeSendTimingDoesNotRevealAccounts(t *testing.T) {
	const (
		samples = 30
		rounds  = 5
		vendor  = 150 * time.Millisecond
	)
	for name, newURL := range map[string]func(testing.TB) string{"sqlite": testdb.SQLiteURL, "postgres": testdb.PostgresURL} {
		t.Run(name, func(t *testing.T) {
			fake := sms.NewFake()
			h := harness.Start(t, map[string]string{
				"DATABASE_URL": newURL(t), "ENUMERATION_PROTECTION": "true", "SMS_RESEND_INTERVAL": "1s",
				"SMS_DAILY_LIMIT": "1000", "SMS_IP_HOURLY_LIMIT": "1000",
				// Hundreds of codes nobody uses: the conversion guard judges them but must not pause.
				"SMS_CONVERSION_MIN_SENDS": "1000000000",
			}, nil, harness.NewClock(), fx.Replace(fx.Annotate(slowSMS{fake, vendor}, fx.As(new(ports.SMSSender)))))
			h.SMS = fake
			registered := harness.NewMobile()
			h.Register(registered, "correct horse")

			for _, purpose := range []string{"login", "reset_password", "register"} {
				unregistered := harness.NewMobile()
				texted, silent := registered, unregistered
				if purpose == "register" {
					texted, silent = unregistered, registered
				}
				sent, silentSent := len(textsTo(h, texted)), len(textsTo(h, silent))
				// ask times n requests for each side, in ABBA order: each side follows each
				// side equally often.
				ask := func(n int) (withText, without []time.Duration) {
					for i := range n {
						order := []string{texted, silent}
						if i%2 == 1 {
							order = []string{silent, texted}
						}
						for _, mobile := range order {
							h.Clock.Advance(time.Second)
							start := time.Now()
							r := askCode(h, mobile, purpose)
							elapsed := time.Since(start)
							require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
							require.Equal(t, `{"mobile":"`+mobile+`"}`, string(r.Body))
							if mobile == texted {
								withText = append(withText, elapsed)
							} else {
								without = append(without, elapsed)
							}
						}
					}
					return withText, without
				}
				asked := 4
				ask(asked) // warm up
				var withText, without []time.Duration
				apart := 1.0
				for round := 1; round <= rounds && apart >= 0.20; round++ {
					w, wo := ask(samples)
					asked += samples
					withText, without = append(withText, w...), append(without, wo...)
					a, b := median(withText), median(without)
					apart = float64(a-b) / float64(max(a, b))
					if apart < 0 {
						apart = -apart
					}
					t.Logf("%s, %d requests each: median answer with a text %v, without %v (%.1f%% apart); vendor %v",
						purpose, len(withText), a, b, apart*100, vendor)
					require.Less(t, median(w), vendor/2, "%s: the answer waited for the vendor", purpose)
				}
				require.Less(t, apart, 0.20, "%s: medians of %d requests each apart", purpose, len(withText))

				h.WaitForSends()
				require.Len(t, textsTo(h, texted), sent+asked, "every request for %s was texted", texted)
				require.Len(t, textsTo(h, silent), silentSent, "nothing was texted to %s", silent)
				for _, text := range textsTo(h, texted) {
					h.AddSecrets(harness.CodePattern.FindString(text))
				}
			}
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
