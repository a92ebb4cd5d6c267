// Package contract holds one conformance suite per port: exported functions that any
// implementation's test calls with a factory, as nettest.TestConn does for net.Conn. A
// suite takes the port it checks, plus the few ports without which its promises cannot be
// observed, and runs each case as a named subtest, a function of its own. The suites
// assert only what the ports promise. The store suites use fresh random mobiles in every
// test, so they run in parallel on one shared database without cleaning it.
package contract

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

const (
	codeTTL     = 5 * time.Minute
	resendAfter = 60 * time.Second
	// concurrency is how many goroutines race in the "only one wins" tests.
	concurrency = 20
)

// errPeek is what peekCode's decide returns to leave without registering anyone.
var errPeek = errors.New("contract: peek only")

// epoch is the suites' clock. It has whole milliseconds, as SQL stores keep no finer.
func epoch() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }

// randomMobile returns a valid mobile number that no other test uses.
func randomMobile() string { return fmt.Sprintf("139%08d", rand.IntN(100_000_000)) }

func parseMobile(t *testing.T, raw string) domain.Mobile {
	t.Helper()
	policy, err := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	require.NoError(t, err)
	m, err := policy.Parse(raw)
	require.NoError(t, err)
	return m
}

// codeHash stands in for the keyed hash the application computes.
func codeHash(mobile, code string) []byte {
	h := sha256.Sum256([]byte(mobile + ":" + code))
	return h[:]
}

// fullRecord is a user with every field set to something other than its default.
func fullRecord() domain.UserRecord {
	m := randomMobile()
	return domain.UserRecord{
		Username:     "user" + m,
		Mobile:       m,
		PasswordHash: "pbkdf2_sha256$600000$salt$" + m,
		Name:         "张三 Zhang",
		Gender:       domain.GenderMale,
		Birthday:     time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
		Email:        "zhang." + m + "@example.com",
		Active:       false,
		DateJoined:   epoch().Add(1234 * time.Millisecond),
	}
}

// createUser stores r through Register, with a mobile that has no code.
func createUser(t *testing.T, s ports.Registrar, r domain.UserRecord) *domain.User {
	t.Helper()
	u, err := s.Register(t.Context(), randomMobile(), func(code *domain.VerifyCode) (*domain.User, error) {
		if code != nil {
			return nil, errors.New("contract: a fresh mobile has a code")
		}
		return domain.UnmarshalUserFromDatabase(r), nil
	})
	require.NoError(t, err)
	require.NotNil(t, u)
	return u
}

// saveCode stores a code for mobile as sent at sentAt.
func saveCode(t *testing.T, s ports.CodeRepository, mobile, code string, sentAt time.Time, maxAttempts int) {
	t.Helper()
	c, err := domain.NewVerifyCode(parseMobile(t, mobile), codeHash(mobile, code), sentAt, codeTTL, maxAttempts)
	require.NoError(t, err)
	require.NoError(t, s.Save(t.Context(), c))
}

// peekCode returns the code Register would hand to decide, leaving it as it is.
func peekCode(t *testing.T, s ports.Registrar, mobile string) *domain.VerifyCode {
	t.Helper()
	var seen *domain.VerifyCode
	_, err := s.Register(t.Context(), mobile, func(code *domain.VerifyCode) (*domain.User, error) {
		seen = code
		return nil, errPeek
	})
	require.ErrorIs(t, err, errPeek)
	return seen
}

// signUp is the decision the registration use case makes: check the code at now, consume
// it and create the user.
func signUp(t *testing.T, mobile, code string, now time.Time) func(*domain.VerifyCode) (*domain.User, error) {
	m := parseMobile(t, mobile)
	return func(c *domain.VerifyCode) (*domain.User, error) {
		if c == nil {
			return nil, domain.ErrCodeMismatch
		}
		if err := c.Verify(codeHash(mobile, code), now); err != nil {
			return nil, err
		}
		c.Consume()
		return domain.NewUser(m, "pbkdf2_sha256$600000$salt$hash", now)
	}
}

// race runs fn from n goroutines released at the same moment and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// assertUser checks every field of got against want; want.ID is checked unless zero.
func assertUser(t *testing.T, want domain.UserRecord, got *domain.User) {
	t.Helper()
	require.NotNil(t, got)
	g := record(got)
	if want.ID != 0 {
		assert.Equal(t, want.ID, g.ID, "id")
	}
	assert.Equal(t, want.Username, g.Username, "username")
	assert.Equal(t, want.Mobile, g.Mobile, "mobile")
	assert.Equal(t, want.PasswordHash, g.PasswordHash, "password hash")
	assert.Equal(t, want.Name, g.Name, "name")
	assert.Equal(t, want.Gender, g.Gender, "gender")
	assert.Equal(t, domain.FormatBirthday(want.Birthday), domain.FormatBirthday(g.Birthday), "birthday")
	assert.Equal(t, want.Birthday.IsZero(), g.Birthday.IsZero(), "birthday unset")
	assert.Equal(t, want.Email, g.Email, "email")
	assert.Equal(t, want.Active, g.Active, "active")
	assertTime(t, want.DateJoined, g.DateJoined, "date joined")
}

func assertTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	assert.Truef(t, want.Equal(got), "%s: want %s, got %s", what, want, got)
}

// record reads every field of u, through its getters.
func record(u *domain.User) domain.UserRecord {
	return domain.UserRecord{
		ID: u.ID(), Username: u.Username(), Mobile: u.Mobile(), PasswordHash: u.PasswordHash(),
		Name: u.Name(), Gender: u.Gender(), Birthday: u.Birthday(), Email: u.Email(),
		Active: u.Active(), DateJoined: u.DateJoined(), TokenVersion: u.TokenVersion(),
	}
}
