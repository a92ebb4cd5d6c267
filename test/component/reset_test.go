package component_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/password"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A reset with a code sent for it sets the password, ends every session and token of the
// account as a password change does, clears the account's login back-off and answers a
// new session.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedPeer, "LOGIN_FAILURES_BEFORE_DELAY": "2"})
		alice := harness.NewMobile()
		h.Register(alice, "correct horse")
		h.AddSecrets("battery staple", "wrong horse")
		old := loginSession(t, h, alice, "correct horse")
		key := apiKey(t, h, alice, "correct horse")
		django := djangoToken(t, h, 1, alice)
		for i := range 2 {
			harness.Expect(t, h.Post("/login/", map[string]any{"username": alice, "password": "wrong horse"}, fromIP(fmt.Sprintf("203.0.113.%d", i+1))...),
				http.StatusBadRequest, badLogin)
		}
		require.Equal(t, http.StatusTooManyRequests, h.Post("/login/", map[string]any{"username": alice, "password": "correct horse"}, fromIP("198.51.100.1")...).Status,
			"the account is throttled")

		h.Clock.Advance(time.Minute)
		code := codeFor(t, h, alice, "reset_password")
		harness.Expect(t, resetPassword(h, alice, code, "short"), http.StatusBadRequest, `{"password": ["Ensure this field has at least 8 characters."]}`)
		harness.Expect(t, resetPassword(h, alice, code, "short", "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"password": ["请确保这个字段至少包含 8 个字符。"]}`)
		harness.Expect(t, resetPassword(h, alice, harness.WrongCode(code), "short"), http.StatusBadRequest,
			`{"password": ["Ensure this field has at least 8 characters."]}`)

		r := resetPassword(h, alice, code, "battery staple")
		fresh := tokensOf(t, h, r)
		require.Len(t, r.JSON(t), 2, "token and refresh: %s", r.Body)

		for name, access := range map[string]string{"access token": old.access, "original service's token": django} {
			require.Equal(t, http.StatusUnauthorized, me(h, access), name)
		}
		harness.Expect(t, refresh(t, h, old.refresh), http.StatusUnauthorized, invalidRefresh)
		require.Equal(t, http.StatusUnauthorized, withKey(h, key), "the API token")
		require.Equal(t, http.StatusOK, me(h, fresh.access))
		tokensOf(t, h, refresh(t, h, fresh.refresh))

		harness.Expect(t, h.Post("/login/", map[string]any{"username": alice, "password": "correct horse"}, fromIP("198.51.100.2")...), http.StatusBadRequest, badLogin)
		h.Login(alice, "battery staple") // no back-off left
		harness.Expect(t, resetPassword(h, alice, code, "another password"), http.StatusBadRequest, codeMismatch)
	})
}

// A reset that cannot be done is refused as a wrong code, whatever the reason, and changes
// nothing.
func TestResetPasswordRefusals(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		h.AddSecrets("battery staple")

		t.Run("no account", func(t *testing.T) {
			unknown := harness.NewMobile()
			standIn(t, h, unknown, "reset_password")
			harness.Expect(t, resetPassword(h, unknown, "123456", "battery staple"), http.StatusBadRequest, codeMismatch)
		})

		t.Run("no code sent", func(t *testing.T) {
			alice := harness.NewMobile()
			h.Register(alice, "correct horse")
			harness.Expect(t, resetPassword(h, alice, "123456", "battery staple"), http.StatusBadRequest, codeMismatch)
			h.Login(alice, "correct horse")
		})

		t.Run("expired", func(t *testing.T) {
			alice := harness.NewMobile()
			h.Register(alice, "correct horse")
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "reset_password")
			h.Clock.Advance(5 * time.Minute)
			harness.Expect(t, resetPassword(h, alice, code, "battery staple"), http.StatusBadRequest, codeExpired)
			h.Login(alice, "correct horse")
		})

		t.Run("deactivated account", func(t *testing.T) {
			alice := harness.NewMobile()
			h.Register(alice, "correct horse")
			h.Clock.Advance(time.Minute)
			code := codeFor(t, h, alice, "reset_password") // sent while the account was active
			setActive(t, databaseURL, alice, false)
			harness.Expect(t, resetPassword(h, alice, code, "battery staple"), http.StatusBadRequest, codeMismatch)
			setActive(t, databaseURL, alice, true)
			h.Login(alice, "correct horse")
			harness.Expect(t, h.Post("/login/", map[string]any{"username": alice, "password": "battery staple"}), http.StatusBadRequest, badLogin)
		})

		t.Run("fields", func(t *testing.T) {
			harness.Expect(t, h.Post("/users/password/reset/", map[string]any{}), http.StatusBadRequest,
				`{"mobile": ["This field is required."], "code": ["Please enter the verification code"], "password": ["This field is required."]}`)
			harness.Expect(t, h.Post("/users/password/reset/", map[string]any{}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
				`{"mobile": ["该字段是必填项。"], "code": ["请输入验证码"], "password": ["该字段是必填项。"]}`)
			harness.Expect(t, h.Post("/users/password/reset/", map[string]any{"mobile": "123", "code": "12", "password": nil}), http.StatusBadRequest,
				`{"mobile": ["Invalid mobile phone number"], "code": ["Verification code format error"], "password": ["This field may not be null."]}`)
			harness.Expect(t, h.Post("/users/password/reset/", map[string]any{"mobile": harness.NewMobile(), "code": "123456", "password": []string{"x"}}),
				http.StatusBadRequest, `{"password": ["Not a valid string."]}`)
		})
	})
}

// Of resets racing on two replicas with one code, exactly one sets its password.
func TestConcurrentResetsWithOneCodeOneWins(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const racers = 6
		gate := &hashGate{PasswordHasher: password.NewArgon2id(password.Config{Concurrency: 2})}
		env := map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "100"}
		fake, clock := sms.NewFake(), harness.NewClock()
		replace := fx.Replace(fx.Annotate(gate, fx.As(new(ports.PasswordHasher))))
		replicas := []*harness.Harness{harness.Start(t, env, fake, clock, replace), harness.Start(t, env, fake, clock, replace)}
		alice := harness.NewMobile()
		replicas[0].Register(alice, "correct horse")
		clock.Advance(time.Minute)
		code := codeFor(t, replicas[1], alice, "reset_password")
		passwords := make([]string, racers)
		for i := range passwords {
			passwords[i] = fmt.Sprintf("new password %d", i)
			replicas[0].AddSecrets(passwords[i])
		}

		gate.hold(racers) // every reset has checked the code and hashed before any stores its password
		answers := make([]harness.Response, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				answers[i], errs[i] = replicas[i%2].Send(http.MethodPost, "/users/password/reset/",
					map[string]any{"mobile": alice, "code": code, "password": passwords[i]})
			})
		}
		wg.Wait()
		winner := -1
		for i, r := range answers {
			require.NoError(t, errs[i])
			if r.Status == http.StatusOK {
				require.Equal(t, -1, winner, "two resets succeeded: %d and %d", winner, i)
				winner = i
				tokensOf(t, replicas[0], r)
				continue
			}
			harness.Expect(t, r, http.StatusBadRequest, codeMismatch)
		}
		require.NotEqual(t, -1, winner, "no reset succeeded")
		for i, p := range passwords {
			if i != winner {
				harness.Expect(t, replicas[i%2].Post("/login/", map[string]any{"username": alice, "password": p}), http.StatusBadRequest, badLogin)
			}
		}
		replicas[1].Login(alice, passwords[winner])
	})
}

// hashGate holds hashed passwords, once armed, until n of them wait: n requests that
// hash have all checked their code, and go on to store their passwords at once.
type hashGate struct {
	ports.PasswordHasher
	mu      sync.Mutex
	waiting int
	n       int
	open    chan struct{}
}

func (g *hashGate) hold(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n, g.waiting, g.open = n, 0, make(chan struct{})
}

func (g *hashGate) Hash(ctx context.Context, pw string) (string, error) {
	hash, err := g.PasswordHasher.Hash(ctx, pw)
	g.mu.Lock()
	open := g.open
	if open != nil {
		g.waiting++
		if g.waiting == g.n {
			close(open)
			g.open = nil
		}
	}
	g.mu.Unlock()
	if open != nil {
		select {
		case <-open:
		case <-time.After(10 * time.Second):
			return "", errors.New("hashGate: fewer hashes than expected")
		}
	}
	return hash, err
}
