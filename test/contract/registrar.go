package contract

import (
	"errors"
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
