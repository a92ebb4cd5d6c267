package security_test

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// A login for an unknown user costs what a wrong password for a known user costs, so
// response times do not tell which accounts exist.
// It runs alone in this package (not in parallel) to keep other tests' load out of it.
func TestLoginTimingDoesNotRevealAccounts(t *testing.T) {
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "100"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.AddSecrets("wrong horse")
	// Other packages' tests run beside this one and only ever add time: the lower quartile
	// of each side is the login's own cost. Skipping the hash for unknown users would show
	// as a difference of about the whole hash, in every batch; a busy machine can push one
	// batch apart, so a difference earns another batch, up to four.
	const batch = 32
	var known, unknown []time.Duration
	diff := 1.0
	for round := 0; round < 4 && diff >= 0.20; round++ {
		for i := range batch {
			headers := from(fmt.Sprintf("203.0.113.%d", round*batch+i+1))
			start := time.Now()
			require.Equal(t, http.StatusBadRequest, login(h, mobile, "wrong horse", headers...).Status)
			known = append(known, time.Since(start))
			start = time.Now()
			require.Equal(t, http.StatusBadRequest, login(h, "13999999999", "wrong horse", headers...).Status)
			unknown = append(unknown, time.Since(start))
		}
		k, u := lowerQuartile(known), lowerQuartile(unknown)
		diff = math.Abs(float64(k-u)) / float64(k)
		t.Logf("lower-quartile login time over %d each: known user %v, unknown user %v (%.1f%% apart)", len(known), k, u, diff*100)
	}
	require.Less(t, diff, 0.20)
}

func lowerQuartile(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/4]
}

func TestEnumerationProtection(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"ENUMERATION_PROTECTION": "true"})
	registered := harness.NewMobile()
	h.Register(registered, "correct horse")
	h.Clock.Advance(time.Minute)
	sent := len(h.SMS.Outbox())

	// /code/ answers as for anyone, sends nothing, and keeps the resend interval.
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": registered}), http.StatusCreated, `{"mobile": "`+registered+`"}`)
	h.WaitForSends()
	require.Len(t, h.SMS.Outbox(), sent)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": registered}), http.StatusBadRequest,
		`{"mobile": ["Less than 60 seconds since the last code was sent"]}`)

	// Registration reveals nothing without the right code.
	harness.Expect(t, h.Post("/users/", map[string]any{"username": registered, "code": "123456", "password": "long enough"}),
		http.StatusBadRequest, `{"code": ["Verification code error"]}`)
}

func TestEnumerationProtectionCanNotifyTheOwner(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"ENUMERATION_PROTECTION": "true", "SMS_NOTIFY_REGISTERED": "true"})
	registered := harness.NewMobile()
	h.Register(registered, "correct horse")
	h.Clock.Advance(time.Minute)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": registered}), http.StatusCreated, `{"mobile": "`+registered+`"}`)
	h.WaitForSends()
	outbox := h.SMS.Outbox()
	last := outbox[len(outbox)-1]
	require.Equal(t, registered, last.Mobile)
	require.Contains(t, last.Text, "already has an account")
	require.NotRegexp(t, `\d{6}`, last.Text, "no code")
}

// Without the setting, the original client's "User already exists" stays.
func TestEnumerationProtectionIsOffByDefault(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	registered := harness.NewMobile()
	h.Register(registered, "correct horse")
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": registered}), http.StatusBadRequest, `{"mobile": ["User already exists"]}`)
}
