package application_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// shedder is plainHasher until busy is set; then it sheds every hash, as Argon2id does
// to a hash that waited past HASH_QUEUE_TIMEOUT for a slot.
type shedder struct {
	plainHasher
	busy atomic.Bool
}

var errBusy = domain.ErrBusy.WithParam("2")

func (s *shedder) Hash(ctx context.Context, pw string) (string, error) {
	if s.busy.Load() {
		return "", errBusy
	}
	return s.plainHasher.Hash(ctx, pw)
}

func (s *shedder) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	if s.busy.Load() {
		return false, errBusy
	}
	return s.plainHasher.Verify(ctx, encoded, pw)
}

// A login shed before its hash is charged nothing: neither its IP nor the account has an
// attempt more, so the next logins are judged as if it had never come (one failure is free
// in this world, the next waits).
func TestAShedLoginIsChargedNothing(t *testing.T) {
	w := newWorld(t, nil)
	w.signUp(t, "13800000061", "long enough")
	client := ports.Client{IP: "198.51.100.61"}
	w.hasher.busy.Store(true)
	for range 3 {
		_, err := w.logIn.Handle(t.Context(), ports.LogIn{Client: client, Username: "13800000061", Password: "long enough"})
		require.ErrorIs(t, err, domain.ErrBusy)
		assert.NotErrorIs(t, err, domain.ErrThrottled)
	}
	w.hasher.busy.Store(false)
	_, err := w.logIn.Handle(t.Context(), ports.LogIn{Client: client, Username: "13800000061", Password: "long enough"})
	require.NoError(t, err, "the account and the IP were not charged")

	// A name no one has is judged the same way.
	w.hasher.busy.Store(true)
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: client, Username: "nobody", Password: "a guess"})
	require.ErrorIs(t, err, domain.ErrBusy)
	w.hasher.busy.Store(false)
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: client, Username: "nobody", Password: "a guess"})
	assert.Equal(t, fieldErr("non_field_errors", domain.ErrInvalidCredentials), err, "a first failure, not a wait")
}

func TestAShedDeletionIsChargedNothing(t *testing.T) {
	w := newWorld(t, nil)
	user, _ := w.signUp(t, "13800000062", "long enough")
	caller := ports.Principal{User: w.user(t, user.ID())}
	client := ports.Client{IP: "198.51.100.62"}
	w.hasher.busy.Store(true)
	for range 2 {
		_, err := w.deleteAccount.Handle(t.Context(), ports.DeleteAccount{Client: client, Caller: caller, Password: "long enough"})
		require.ErrorIs(t, err, domain.ErrBusy)
	}
	w.hasher.busy.Store(false)
	_, err := w.deleteAccount.Handle(t.Context(), ports.DeleteAccount{Client: client, Caller: caller, Password: "long enough"})
	require.NoError(t, err, "not throttled")
}

// A registration or reset shed at its hash gives back the code attempt it took from the
// mobile's daily budget (one attempt a day in this world).
func TestAShedRegistrationOrResetIsChargedNothing(t *testing.T) {
	w := newWorld(t, func(cfg *application.Config) { cfg.Limits.CodeDaily = 1 })
	code := w.code(t, "13800000063")
	w.hasher.busy.Store(true)
	_, err := w.register.Handle(t.Context(), ports.Register{Username: "13800000063", Code: code, Password: "long enough"})
	require.ErrorIs(t, err, domain.ErrBusy)
	w.hasher.busy.Store(false)
	_, err = w.register.Handle(t.Context(), ports.Register{Username: "13800000063", Code: code, Password: "long enough"})
	require.NoError(t, err, "the day's one attempt was given back")

	w.clock.Advance(24 * time.Hour)
	reset := w.codeFor(t, domain.PurposeResetPassword, "13800000063", nil)
	require.NotEmpty(t, reset)
	w.hasher.busy.Store(true)
	_, err = w.resetPassword.Handle(t.Context(), ports.ResetPassword{Mobile: "13800000063", Code: reset, Password: "longer still"})
	require.ErrorIs(t, err, domain.ErrBusy)
	w.hasher.busy.Store(false)
	_, err = w.resetPassword.Handle(t.Context(), ports.ResetPassword{Mobile: "13800000063", Code: reset, Password: "longer still"})
	require.NoError(t, err, "the day's one attempt was given back")
}
