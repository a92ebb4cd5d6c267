package contract

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// RegistrarPorts are what the Registrar suite needs: the port, ports.CodeRepository to
// store the codes it checks, and ports.UserRepository to read back the users it creates.
type RegistrarPorts interface {
	ports.Registrar
	ports.CodeRepository
	ports.UserRepository
}

// registerAfter is how long after sending its code a case registers: within the code's
// lifetime.
const registerAfter = time.Minute

// Registrar checks ports.Registrar.
func Registrar(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Run("decide gets nil when no code was sent", func(t *testing.T) { testDecideWithoutCode(t, newStore) })
	t.Run("decide gets nil when the mobile is only reserved", func(t *testing.T) { testDecideReservedOnly(t, newStore) })
	t.Run("the right code creates the user and consumes the code", func(t *testing.T) { testRegister(t, newStore) })
	t.Run("wrong guesses are counted across calls", func(t *testing.T) { testWrongGuessesCount(t, newStore) })
	t.Run("decide's error is returned as it is", func(t *testing.T) { testDecideError(t, newStore) })
	t.Run("a taken username or mobile rolls everything back", func(t *testing.T) { testRegisterTakenRollsBack(t, newStore) })
	t.Run("concurrent registrations with the right code create one user", func(t *testing.T) { testRegisterIsAtomic(t, newStore) })
	t.Run("concurrent wrong guesses never exceed the budget", func(t *testing.T) { testGuessBudgetIsAtomic(t, newStore) })
	t.Run("Redeem hands decide the newest code and the user as stored", func(t *testing.T) { testRedeemSees(t, newStore) })
	t.Run("Redeem hands decide nil without a code or a user", func(t *testing.T) { testRedeemWithoutCodeOrUser(t, newStore) })
	t.Run("Redeem stores the code's attempts and none of the user's changes when decide fails", func(t *testing.T) { testRedeemFailing(t, newStore) })
	t.Run("Redeem stores the user as decide left it and the used code", func(t *testing.T) { testRedeem(t, newStore) })
	t.Run("Redeem stores a username that follows the mobile", func(t *testing.T) { testRedeemMovesTheUsername(t, newStore) })
	t.Run("Redeem to a taken username or mobile stores nothing at all", func(t *testing.T) { testRedeemTakenStoresNothing(t, newStore) })
	t.Run("concurrent Redeems of one code: one wins", func(t *testing.T) { testRedeemIsAtomic(t, newStore) })
}

func testDecideWithoutCode(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	s := newStore(t)
	assert.Nil(t, peekCode(t, s, randomMobile()))
}

func testDecideReservedOnly(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	m := randomMobile()
	require.NoError(t, s.Reserve(t.Context(), m, t0, t0.Add(-resendAfter)))
	assert.Nil(t, peekCode(t, s, m))
}

func testRegister(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	created, err := s.Register(t.Context(), m, signUp(t, m, "123456", now))
	require.NoError(t, err)
	assert.Positive(t, created.ID())
	assert.Equal(t, m, created.Username())
	assert.Equal(t, m, created.Mobile())

	got, err := s.ByLogin(t.Context(), m)
	require.NoError(t, err)
	assert.Equal(t, created.ID(), got.ID())
	assertUser(t, record(created), got)

	code := peekCode(t, s, m)
	require.NotNil(t, code)
	assert.True(t, code.Consumed())
	_, err = s.Register(t.Context(), m, signUp(t, m, "123456", now))
	assert.ErrorIs(t, err, domain.ErrCodeMismatch, "a consumed code never verifies again")
}

func testWrongGuessesCount(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 3)
	for i := range 3 {
		_, err := s.Register(t.Context(), m, signUp(t, m, "000000", now))
		require.ErrorIs(t, err, domain.ErrCodeMismatch)
		code := peekCode(t, s, m)
		require.NotNil(t, code)
		assert.Equal(t, i+1, code.Attempts())
	}
	_, err := s.Register(t.Context(), m, signUp(t, m, "123456", now))
	assert.ErrorIs(t, err, domain.ErrCodeExhausted, "the budget is spent even for the right code")
	taken, err := s.Taken(t.Context(), m)
	require.NoError(t, err)
	assert.False(t, taken, "no user is created when decide fails")
}

func testDecideError(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	s := newStore(t)
	errMine := errors.New("mine")
	_, err := s.Register(t.Context(), randomMobile(), func(*domain.VerifyCode) (*domain.User, error) {
		return nil, errMine
	})
	assert.ErrorIs(t, err, errMine)
}

func testRegisterTakenRollsBack(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	for _, clash := range []string{"username", "mobile"} {
		m := randomMobile()
		existing := fullRecord()
		if clash == "username" {
			existing.Username = m
		} else {
			existing.Mobile = m
		}
		createUser(t, s, existing)
		saveCode(t, s, m, "123456", t0, 5)

		_, err := s.Register(t.Context(), m, signUp(t, m, "123456", now))
		assert.ErrorIs(t, err, domain.ErrUserExists, clash)
		code := peekCode(t, s, m)
		require.NotNil(t, code, clash)
		assert.False(t, code.Consumed(), "%s: the code stays usable", clash)
		assert.Equal(t, 0, code.Attempts(), clash)
	}
}

func testRegisterIsAtomic(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	decide := signUp(t, m, "123456", now)
	users := make([]*domain.User, concurrency)
	errs := race(concurrency, func(i int) error {
		var err error
		users[i], err = s.Register(t.Context(), m, decide)
		return err
	})
	var winner *domain.User
	for i, err := range errs {
		if err == nil {
			assert.Nil(t, winner, "a second registration succeeded")
			winner = users[i]
			continue
		}
		assert.True(t, errors.Is(err, domain.ErrCodeMismatch) || errors.Is(err, domain.ErrUserExists),
			"losers fail on the consumed code or the taken mobile, not with: %v", err)
	}
	require.NotNil(t, winner, "no registration succeeded")
	got, err := s.ByLogin(t.Context(), m)
	require.NoError(t, err)
	assert.Equal(t, winner.ID(), got.ID())
}

func testGuessBudgetIsAtomic(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	m := randomMobile()
	const budget = 3
	saveCode(t, s, m, "123456", t0, budget)
	decide := signUp(t, m, "000000", now)
	errs := race(concurrency, func(int) error {
		_, err := s.Register(t.Context(), m, decide)
		return err
	})
	mismatches := 0
	for _, err := range errs {
		if errors.Is(err, domain.ErrCodeMismatch) {
			mismatches++
			continue
		}
		assert.ErrorIs(t, err, domain.ErrCodeExhausted)
	}
	assert.Equal(t, budget, mismatches, "exactly the budget of guesses is checked")
	code := peekCode(t, s, m)
	require.NotNil(t, code)
	assert.Equal(t, budget, code.Attempts())
}

// redeemWith is the decision the code-redeeming use cases make: check the code at now,
// apply change to the user and, when both are good, use the code up.
func redeemWith(t *testing.T, mobile, code string, now time.Time, change func(*domain.User) error) func(*domain.VerifyCode, *domain.User) error {
	t.Helper()
	return func(c *domain.VerifyCode, u *domain.User) error {
		if c == nil || u == nil {
			return domain.ErrCodeMismatch
		}
		if err := c.Verify(codeHash(mobile, code), now); err != nil {
			return err
		}
		if err := change(u); err != nil {
			return err
		}
		c.Consume()
		return nil
	}
}

// moveTo changes a user's mobile to mobile, and its password, which ends every session:
// every field Redeem stores.
func moveTo(t *testing.T, mobile, passwordHash string) func(*domain.User) error {
	m := parseMobile(t, mobile)
	return func(u *domain.User) error {
		u.ChangePassword(passwordHash)
		return u.ChangeMobile(m, "")
	}
}

func testRedeemSees(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	m := randomMobile()
	saveCode(t, s, m, "111111", t0, 5)
	saveCode(t, s, m, "222222", t0.Add(resendAfter), 7)
	var (
		seenCode *domain.VerifyCode
		seenUser *domain.User
	)
	_, err := s.Redeem(t.Context(), m, want.ID, func(c *domain.VerifyCode, u *domain.User) error {
		seenCode, seenUser = c, u
		return errPeek
	})
	require.ErrorIs(t, err, errPeek, "decide's error is returned as it is")
	require.NotNil(t, seenCode)
	assert.Equal(t, codeHash(m, "222222"), seenCode.Hash(), "the newest code")
	assert.Equal(t, 7, seenCode.MaxAttempts())
	assertUser(t, want, seenUser)
}

func testRedeemWithoutCodeOrUser(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	id := createUser(t, s, fullRecord()).ID()

	called := false
	_, err := s.Redeem(t.Context(), randomMobile(), id, func(c *domain.VerifyCode, u *domain.User) error {
		called = true
		assert.Nil(t, c, "no code was sent to the mobile")
		assert.NotNil(t, u)
		return errPeek
	})
	require.ErrorIs(t, err, errPeek)
	require.True(t, called)

	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	called = false
	_, err = s.Redeem(t.Context(), m, 1<<62, func(c *domain.VerifyCode, u *domain.User) error {
		called = true
		assert.NotNil(t, c)
		assert.Nil(t, u, "no user has the id")
		require.ErrorIs(t, c.Verify(codeHash(m, "000000"), now), domain.ErrCodeMismatch)
		return domain.ErrCodeMismatch
	})
	require.ErrorIs(t, err, domain.ErrCodeMismatch)
	require.True(t, called)
	code := peekCode(t, s, m)
	require.NotNil(t, code)
	assert.Equal(t, 1, code.Attempts(), "the guess is counted without a user too")

	got, err := s.Redeem(t.Context(), m, 1<<62, func(*domain.VerifyCode, *domain.User) error { return nil })
	require.NoError(t, err)
	assert.Nil(t, got, "no user to return")
}

func testRedeemFailing(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 3)
	// A change made before the guess turns out wrong is not stored either.
	change := moveTo(t, m, "changed")
	for i := range 3 {
		_, err := s.Redeem(t.Context(), m, want.ID, func(c *domain.VerifyCode, u *domain.User) error {
			require.NoError(t, change(u))
			return c.Verify(codeHash(m, "000000"), now)
		})
		require.ErrorIs(t, err, domain.ErrCodeMismatch)
		code := peekCode(t, s, m)
		require.NotNil(t, code)
		assert.Equal(t, i+1, code.Attempts())
	}
	_, err := s.Redeem(t.Context(), m, want.ID, redeemWith(t, m, "123456", now, change))
	assert.ErrorIs(t, err, domain.ErrCodeExhausted, "the budget is spent even for the right code")
	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
	assert.Equal(t, 0, got.TokenVersion())
	taken, err := s.Taken(t.Context(), m)
	require.NoError(t, err)
	assert.False(t, taken, "the mobile did not move")
}

func testRedeem(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	old := want.Mobile
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	redeemed, err := s.Redeem(t.Context(), m, want.ID, redeemWith(t, m, "123456", now, moveTo(t, m, "new hash")))
	require.NoError(t, err)
	want.Mobile, want.PasswordHash = m, "new hash"
	assertUser(t, want, redeemed)
	assert.Equal(t, 1, redeemed.TokenVersion())

	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
	assert.Equal(t, 1, got.TokenVersion(), "the token version is stored")
	byMobile, err := s.ByLogin(t.Context(), m)
	require.NoError(t, err)
	assert.Equal(t, want.ID, byMobile.ID())
	_, err = s.ByLogin(t.Context(), old)
	assert.ErrorIs(t, err, domain.ErrUserNotFound, "the old number no longer finds the user")
	taken, err := s.Taken(t.Context(), old)
	require.NoError(t, err)
	assert.False(t, taken, "the old number is free")

	code := peekCode(t, s, m)
	require.NotNil(t, code)
	assert.True(t, code.Consumed())
	_, err = s.Redeem(t.Context(), m, want.ID, redeemWith(t, m, "123456", now, func(*domain.User) error { return nil }))
	assert.ErrorIs(t, err, domain.ErrCodeMismatch, "a used code never verifies again")
}

func testRedeemMovesTheUsername(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	want := fullRecord()
	want.Username = want.Mobile // as sign-up makes it
	want.ID = createUser(t, s, want).ID()
	old := want.Mobile
	m := randomMobile()
	saveCode(t, s, m, "123456", t0, 5)
	_, err := s.Redeem(t.Context(), m, want.ID, redeemWith(t, m, "123456", now, moveTo(t, m, want.PasswordHash)))
	require.NoError(t, err)

	want.Username, want.Mobile = m, m
	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
	taken, err := s.Taken(t.Context(), old)
	require.NoError(t, err)
	assert.False(t, taken, "neither username nor mobile is the old number")
	_, err = s.ByLogin(t.Context(), old)
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
	again := fullRecord()
	again.Username, again.Mobile = old, old
	createUser(t, s, again) // whoever gets the old number next signs up with it
}

func testRedeemTakenStoresNothing(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	for _, clash := range []string{"username", "mobile"} {
		m := randomMobile()
		other := fullRecord()
		mover := fullRecord()
		if clash == "username" {
			other.Username = m
			mover.Username = mover.Mobile // follows the mobile onto the other's username
		} else {
			other.Mobile = m
		}
		other.ID = createUser(t, s, other).ID()
		mover.ID = createUser(t, s, mover).ID()
		saveCode(t, s, m, "123456", t0, 5)

		_, err := s.Redeem(t.Context(), m, mover.ID, redeemWith(t, m, "123456", now, moveTo(t, m, "new hash")))
		assert.ErrorIs(t, err, domain.ErrUserExists, clash)

		code := peekCode(t, s, m)
		require.NotNil(t, code, clash)
		assert.False(t, code.Consumed(), "%s: the code stays usable", clash)
		assert.Equal(t, 0, code.Attempts(), clash)
		got, err := s.ByID(t.Context(), mover.ID)
		require.NoError(t, err, clash)
		assertUser(t, mover, got)
		assert.Equal(t, 0, got.TokenVersion(), "%s: sessions go on", clash)
		got, err = s.ByID(t.Context(), other.ID)
		require.NoError(t, err, clash)
		assertUser(t, other, got)
	}
}

func testRedeemIsAtomic(t *testing.T, newStore func(t *testing.T) RegistrarPorts) {
	t.Parallel()
	t0 := epoch()
	now := t0.Add(registerAfter)
	s := newStore(t)
	r := fullRecord()
	id := createUser(t, s, r).ID()
	m := r.Mobile // a reset: the code went to the account's own number
	saveCode(t, s, m, "123456", t0, 5)
	users := make([]*domain.User, concurrency)
	errs := race(concurrency, func(i int) error {
		var err error
		users[i], err = s.Redeem(t.Context(), m, id, redeemWith(t, m, "123456", now, func(u *domain.User) error {
			u.ChangePassword(fmt.Sprintf("hash %d", i))
			return nil
		}))
		return err
	})
	var winner *domain.User
	for i, err := range errs {
		if err == nil {
			assert.Nil(t, winner, "a second Redeem succeeded")
			winner = users[i]
			continue
		}
		assert.ErrorIs(t, err, domain.ErrCodeMismatch, "losers find the code used")
	}
	require.NotNil(t, winner, "no Redeem succeeded")
	got, err := s.ByID(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, winner.PasswordHash(), got.PasswordHash(), "the winner's change is the one stored")
	assert.Equal(t, 1, got.TokenVersion(), "one change was applied, once")
}
