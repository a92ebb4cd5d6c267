package component_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// POST /users/mobile/ moves the account to the number a change code was sent to; the
// username follows, the old number is told and is free for anyone.
func TestChangeMobile(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		old := harness.NewMobile()
		h.Register(old, "correct horse")
		caller := loginSession(t, h, old, "correct horse")
		h.Clock.Advance(time.Minute)
		mobile := harness.NewMobile()
		code := codeFor(t, h, mobile, "change_mobile", bearer(caller.access)...)

		harness.Expect(t, changeMobile(h, caller.access, mobile, harness.WrongCode(code)), http.StatusBadRequest, codeMismatch)
		harness.Expect(t, h.Post("/users/mobile/", map[string]any{"mobile": mobile, "code": code}), http.StatusUnauthorized,
			`{"detail": "Authentication credentials were not provided."}`)
		want := `{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "` + mobile + `"}`
		harness.Expect(t, changeMobile(h, caller.access, mobile, code), http.StatusOK, want)
		require.Equal(t, []string{bootstrap.DefaultMobileChangedTemplate}, textsTo(h, old)[1:], "the old number is told")
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, bearer(caller.access)...), http.StatusOK, want)
		harness.Expect(t, changeMobile(h, caller.access, mobile, code), http.StatusBadRequest,
			`{"mobile": ["This is already the account's mobile number"]}`)

		// The account logs in with its new number only, as username and as mobile.
		harness.Expect(t, h.Post("/login/", map[string]any{"username": old, "password": "correct horse"}), http.StatusBadRequest, badLogin)
		h.Login(mobile, "correct horse")
		h.Clock.Advance(time.Minute)
		tokensOf(t, h, loginByCode(h, mobile, codeFor(t, h, mobile, "login")))
		standIn(t, h, old, "login")

		// The old number is free: it gets a registration code and signs up again.
		h.Clock.Advance(time.Minute)
		h.Register(old, "another horse")
		h.Login(old, "another horse")
		h.Login(mobile, "correct horse")
	})
}

// Changes that cannot be made are refused in the envelope and change nothing.
func TestChangeMobileRefusals(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		alice, bob := harness.NewMobile(), harness.NewMobile()
		aliceToken := h.Register(alice, "correct horse")
		bobToken := h.Register(bob, "correct horse")
		h.Clock.Advance(time.Minute)

		t.Run("the same number", func(t *testing.T) {
			harness.Expect(t, changeMobile(h, aliceToken, alice, "123456"), http.StatusBadRequest, `{"mobile": ["This is already the account's mobile number"]}`)
			harness.Expect(t, changeMobile(h, aliceToken, alice, "123456", "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"mobile": ["这已是该账号的手机号码"]}`)
		})

		t.Run("a number in use", func(t *testing.T) {
			harness.Expect(t, changeMobile(h, aliceToken, bob, "123456"), http.StatusBadRequest, userExists)
		})

		t.Run("a number taken during the code's lifetime", func(t *testing.T) {
			// Codes prove the number, not the account: whoever holds one may use it once.
			mobile := harness.NewMobile()
			code := codeFor(t, h, mobile, "change_mobile", bearer(aliceToken)...)
			harness.Expect(t, changeMobile(h, bobToken, mobile, code), http.StatusOK,
				`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`)
			harness.Expect(t, changeMobile(h, aliceToken, mobile, code), http.StatusBadRequest, userExists)
			require.Equal(t, alice, h.Request(http.MethodGet, "/users/1/", nil, bearer(aliceToken)...).JSON(t)["mobile"])
			h.Login(alice, "correct horse")
		})

		t.Run("fields", func(t *testing.T) {
			harness.Expect(t, h.Post("/users/mobile/", map[string]any{}, bearer(aliceToken)...), http.StatusBadRequest,
				`{"mobile": ["This field is required."], "code": ["Please enter the verification code"]}`)
			harness.Expect(t, h.Post("/users/mobile/", map[string]any{"mobile": "12345", "code": "12"}, bearer(aliceToken)...), http.StatusBadRequest,
				`{"mobile": ["Invalid mobile phone number"], "code": ["Verification code format error"]}`)
			harness.Expect(t, h.Post("/users/mobile/", map[string]any{"mobile": nil, "code": true}, append(bearer(aliceToken), "Accept-Language", "zh-hans")...),
				http.StatusBadRequest, `{"mobile": ["该字段不能为 null。"], "code": ["不是有效的字符串。"]}`)
		})
	})
}

// takingUsers is the user repository with a hook: once armed for a number, the first
// check whether it is taken answers, then another account takes the number (as an admin,
// or a replica finishing its own change, would), before the caller goes on.
type takingUsers struct {
	ports.UserRepository
	mu    sync.Mutex
	armed string
	take  func(mobile string)
}

func (u *takingUsers) arm(mobile string, take func(string)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.armed, u.take = mobile, take
}

func (u *takingUsers) Taken(ctx context.Context, values ...string) (bool, error) {
	taken, err := u.UserRepository.Taken(ctx, values...)
	u.mu.Lock()
	take, armed := u.take, u.armed
	if !slices.Contains(values, armed) {
		take = nil
	}
	if take != nil {
		u.armed, u.take = "", nil
	}
	u.mu.Unlock()
	if take != nil {
		take(armed)
	}
	return taken, err
}

// A number another account takes between the check and the write refuses the change
// with "User already exists", and nothing of it is written.
func TestChangeMobileToANumberTakenMeanwhile(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		users := &takingUsers{}
		h := harness.Start(t, map[string]string{"DATABASE_URL": databaseURL}, sms.NewFake(), harness.NewClock(),
			fx.Decorate(func(r ports.UserRepository) ports.UserRepository { users.UserRepository = r; return users }))
		alice, bob := harness.NewMobile(), harness.NewMobile()
		aliceToken := h.Register(alice, "correct horse")
		h.Register(bob, "correct horse")
		h.Clock.Advance(time.Minute)
		mobile := harness.NewMobile()
		code := codeFor(t, h, mobile, "change_mobile", bearer(aliceToken)...)

		users.arm(mobile, func(mobile string) {
			// On the request's goroutine: assert, not require.
			db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
			if !assert.NoError(t, err) {
				return
			}
			defer db.Close()
			_, err = db.ExecContext(context.Background(), "UPDATE users SET mobile = ? WHERE mobile = ?", stored(mobile), stored(bob))
			assert.NoError(t, err)
		})
		harness.Expect(t, changeMobile(h, aliceToken, mobile, code), http.StatusBadRequest, userExists)
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, bearer(aliceToken)...), http.StatusOK,
			`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+alice+`"}`)
		h.Login(alice, "correct horse")
		require.Equal(t, []string{bob, stored(mobile)}, []string{storedUser(t, databaseURL, bob).Username(), storedUser(t, databaseURL, stored(mobile)).Mobile()},
			"the other account has the number")
		require.Len(t, textsTo(h, alice), 1, "no notice for a change that did not happen")
	})
}

// Of changes racing on two replicas to one number, with the one code sent to it, exactly
// one succeeds; the number ends up with one account.
func TestConcurrentChangesToOneNumberOneWins(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		const racers = 4
		gate := &takenGate{}
		env := map[string]string{"DATABASE_URL": databaseURL}
		fake, clock := sms.NewFake(), harness.NewClock()
		decorate := fx.Decorate(func(r ports.UserRepository) ports.UserRepository { return &gatedUsers{r, gate} })
		replicas := []*harness.Harness{harness.Start(t, env, fake, clock, decorate), harness.Start(t, env, fake, clock, decorate)}
		mobiles, tokens := make([]string, racers), make([]string, racers)
		for i := range racers {
			mobiles[i] = harness.NewMobile()
			tokens[i] = replicas[i%2].Register(mobiles[i], "correct horse")
		}
		clock.Advance(time.Minute)
		target := harness.NewMobile()
		code := codeFor(t, replicas[0], target, "change_mobile", bearer(tokens[0])...)

		gate.hold(target, racers) // every change has found the number free before any writes
		answers := make([]harness.Response, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				answers[i], errs[i] = replicas[i%2].Send(http.MethodPost, "/users/mobile/", map[string]any{"mobile": target, "code": code}, bearer(tokens[i])...)
			})
		}
		wg.Wait()
		winner := -1
		for i, r := range answers {
			require.NoError(t, errs[i])
			if r.Status == http.StatusOK {
				require.Equal(t, -1, winner, "two changes succeeded: %d and %d", winner, i)
				winner = i
				continue
			}
			require.Equal(t, http.StatusBadRequest, r.Status, "body: %s", r.Body)
			require.Contains(t, []string{`{"code":["Verification code error"]}`, `{"mobile":["User already exists"]}`}, string(r.Body))
		}
		require.NotEqual(t, -1, winner, "no change succeeded")
		for i, m := range mobiles {
			if i == winner {
				harness.Expect(t, replicas[0].Post("/login/", map[string]any{"username": m, "password": "correct horse"}), http.StatusBadRequest, badLogin)
				continue
			}
			replicas[1].Login(m, "correct horse")
		}
		require.Equal(t, target, replicas[1].Request(http.MethodGet, "/users/1/", nil, bearer(tokens[winner])...).JSON(t)["mobile"])
		replicas[0].Login(target, "correct horse")
	})
}

// takenGate holds checks whether one number is taken, once armed, until n of them wait.
type takenGate struct {
	mu      sync.Mutex
	mobile  string
	waiting int
	n       int
	open    chan struct{}
}

func (g *takenGate) hold(mobile string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mobile, g.n, g.waiting, g.open = mobile, n, 0, make(chan struct{})
}

func (g *takenGate) wait(values []string) {
	g.mu.Lock()
	open := g.open
	if open == nil || !slices.Contains(values, g.mobile) {
		g.mu.Unlock()
		return
	}
	g.waiting++
	if g.waiting == g.n {
		close(open)
		g.open = nil
	}
	g.mu.Unlock()
	select {
	case <-open:
	case <-time.After(10 * time.Second):
	}
}

type gatedUsers struct {
	ports.UserRepository
	gate *takenGate
}

func (u *gatedUsers) Taken(ctx context.Context, values ...string) (bool, error) {
	taken, err := u.UserRepository.Taken(ctx, values...)
	u.gate.wait(values)
	return taken, err
}
