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

// Of concurrent password changes with the right old password, one wins; the others find
// the password changed under them and change nothing.
func TestConcurrentPasswordChangesOneWins(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const racers = 5
		gate := &verifyGate{PasswordHasher: password.NewArgon2id(password.Config{Concurrency: 1})}
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL, "LOGIN_FAILURES_BEFORE_DELAY": "100"},
			sms.NewFake(), harness.NewClock(), fx.Replace(fx.Annotate(gate, fx.As(new(ports.PasswordHasher)))))
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse")
		sessions := make([]session, racers)
		passwords := make([]string, racers)
		for i := range racers {
			sessions[i] = loginSession(t, h, mobile, "correct horse")
			passwords[i] = fmt.Sprintf("new password %d", i)
			h.AddSecrets(passwords[i])
		}
		other := loginSession(t, h, mobile, "correct horse")

		gate.hold(racers)
		answers := make([]harness.Response, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				answers[i], errs[i] = h.Send(http.MethodPost, "/users/password/",
					map[string]any{"old_password": "correct horse", "new_password": passwords[i]}, "Authorization", "JWT "+sessions[i].access)
			})
		}
		wg.Wait()

		winner := -1
		for i, r := range answers {
			require.NoError(t, errs[i])
			if r.Status == http.StatusOK {
				require.Equal(t, -1, winner, "two changes succeeded: %d and %d", winner, i)
				winner = i
				h.AddSecrets(r.JSON(t)["token"].(string), r.JSON(t)["refresh"].(string))
				continue
			}
			harness.Expect(t, r, http.StatusBadRequest, `{"old_password": ["Wrong password."]}`)
		}
		require.NotEqual(t, -1, winner, "no change succeeded")
		for i, p := range passwords {
			if i != winner {
				harness.Expect(t, h.Post("/login/", map[string]any{"username": mobile, "password": p}), http.StatusBadRequest,
					`{"non_field_errors": ["Unable to log in with provided credentials."]}`)
			}
		}
		require.Equal(t, http.StatusUnauthorized, me(h, other.access), "the winner ended the other sessions")
		loginSession(t, h, mobile, passwords[winner])
	})
}

// verifyGate holds password verifications, once armed, until n of them wait: n requests
// that verify have all been authenticated before any of them goes on to write.
type verifyGate struct {
	ports.PasswordHasher
	mu      sync.Mutex
	waiting int
	n       int
	open    chan struct{}
}

func (g *verifyGate) hold(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n, g.waiting, g.open = n, 0, make(chan struct{})
}

func (g *verifyGate) Verify(ctx context.Context, encoded, password string) (bool, error) {
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
			return false, errors.New("verifyGate: fewer verifications than expected")
		}
	}
	return g.PasswordHasher.Verify(ctx, encoded, password)
}

// A login that upgrades the hash of the password it checked keeps a password changed
// meanwhile: the upgrade is a compare-and-swap too.
func TestHashUpgradeKeepsAPasswordChangedMeanwhile(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		hasher := &upgradeGate{PasswordHasher: password.NewArgon2id(password.Config{Concurrency: 1}), password: "old password"}
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL},
			sms.NewFake(), harness.NewClock(), fx.Replace(fx.Annotate(hasher, fx.As(new(ports.PasswordHasher)))))
		mobile := harness.NewMobile()
		h.Register(mobile, "old password")
		owner := loginSession(t, h, mobile, "old password")

		hasher.arm()
		upgrading := make(chan harness.Response)
		go func() {
			r, _ := h.Send(http.MethodPost, "/login/", map[string]any{"username": mobile, "password": "old password"})
			upgrading <- r
		}()
		<-hasher.entered // the login checked the old password and hashes it anew
		h.AddSecrets("new password")
		r := h.Post("/users/password/", map[string]any{"old_password": "old password", "new_password": "new password"},
			"Authorization", "JWT "+owner.access)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		close(hasher.release)
		require.Equal(t, http.StatusOK, (<-upgrading).Status)

		loginSession(t, h, mobile, "new password")
		harness.Expect(t, h.Post("/login/", map[string]any{"username": mobile, "password": "old password"}), http.StatusBadRequest,
			`{"non_field_errors": ["Unable to log in with provided credentials."]}`)
	})
}

// upgradeGate asks for every hash to be upgraded and, once armed, holds the next hash of
// password until released.
type upgradeGate struct {
	ports.PasswordHasher
	password string
	mu       sync.Mutex
	armed    bool
	entered  chan struct{}
	release  chan struct{}
}

func (g *upgradeGate) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.entered, g.release = true, make(chan struct{}), make(chan struct{})
}

func (g *upgradeGate) Hash(ctx context.Context, pw string) (string, error) {
	g.mu.Lock()
	hold := g.armed && pw == g.password
	if hold {
		g.armed = false
	}
	g.mu.Unlock()
	if hold {
		close(g.entered)
		<-g.release
	}
	return g.PasswordHasher.Hash(ctx, pw)
}

func (g *upgradeGate) NeedsRehash(string) bool { return true }
