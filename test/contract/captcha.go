package contract

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// HumanVerifierHarness is a CAPTCHA verifier under test with a view of, and control over,
// the provider behind it (a local fake of its siteverify API).
type HumanVerifierHarness struct {
	Verifier ports.HumanVerifier
	// Human is a token the provider accepts, Bot one it refuses.
	Human, Bot string
	// Secrets are what no error may repeat: the provider's secret.
	Secrets []string
	// Asked returns the tokens and client addresses the provider was asked about, in order.
	Asked func() []ports.VerifyHuman
	// BeUnavailable makes the provider unreachable or failing from now on.
	BeUnavailable func()
}

// HumanVerifier checks an implementation of ports.HumanVerifier: a token the provider
// accepts passes, one it refuses fails with domain.ErrCaptchaRefused, a provider that
// cannot answer is domain.ErrCaptchaUnavailable, and a cancelled check asks nothing. No
// error holds the token or the secret. newHarness is called once per check.
func HumanVerifier(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Run("AcceptsWhatTheProviderAccepts", func(t *testing.T) { testAcceptsWhatTheProviderAccepts(t, newHarness) })
	t.Run("RefusalIsTyped", func(t *testing.T) { testRefusalIsTyped(t, newHarness) })
	t.Run("UnavailabilityIsTyped", func(t *testing.T) { testCaptchaUnavailabilityIsTyped(t, newHarness) })
	t.Run("CancelledContextAsksNothing", func(t *testing.T) { testCancelledCheckAsksNothing(t, newHarness) })
	t.Run("ConcurrentChecksAreEachAsked", func(t *testing.T) { testConcurrentChecksAreEachAsked(t, newHarness) })
}

func testAcceptsWhatTheProviderAccepts(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Parallel()
	h := newHarness(t)
	require.NoError(t, h.Verifier.Verify(context.Background(), h.Human, "203.0.113.7"))
	require.NoError(t, h.Verifier.Verify(context.Background(), h.Human, "2001:db8::1"))
	require.NoError(t, h.Verifier.Verify(context.Background(), h.Human, ""))
	assert.Equal(t, []ports.VerifyHuman{
		{Token: h.Human, RemoteIP: "203.0.113.7"}, {Token: h.Human, RemoteIP: "2001:db8::1"}, {Token: h.Human},
	}, h.Asked())
}

func testRefusalIsTyped(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Parallel()
	h := newHarness(t)
	err := h.Verifier.Verify(context.Background(), h.Bot, "203.0.113.7")
	require.ErrorIs(t, err, domain.ErrCaptchaRefused)
	assert.NotErrorIs(t, err, domain.ErrCaptchaUnavailable)
	assertNoCaptchaSecrets(t, err, h)
	assert.Equal(t, []ports.VerifyHuman{{Token: h.Bot, RemoteIP: "203.0.113.7"}}, h.Asked())
}

func testCaptchaUnavailabilityIsTyped(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Parallel()
	h := newHarness(t)
	h.BeUnavailable()
	for _, token := range []string{h.Human, h.Bot} {
		err := h.Verifier.Verify(context.Background(), token, "203.0.113.7")
		require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
		assert.NotErrorIs(t, err, domain.ErrCaptchaRefused)
		assertNoCaptchaSecrets(t, err, h)
	}
}

func testCancelledCheckAsksNothing(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Parallel()
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.Verifier.Verify(ctx, h.Human, "")
	require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, h.Asked())
}

func testConcurrentChecksAreEachAsked(t *testing.T, newHarness func(t *testing.T) HumanVerifierHarness) {
	t.Parallel()
	h := newHarness(t)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() { assert.NoError(t, h.Verifier.Verify(context.Background(), h.Human, "203.0.113.7")) })
		wg.Go(func() {
			assert.ErrorIs(t, h.Verifier.Verify(context.Background(), h.Bot, "203.0.113.7"), domain.ErrCaptchaRefused)
		})
	}
	wg.Wait()
	assert.Len(t, h.Asked(), 2*concurrency)
}

func assertNoCaptchaSecrets(t *testing.T, err error, h HumanVerifierHarness) {
	t.Helper()
	for _, s := range append([]string{h.Human, h.Bot}, h.Secrets...) {
		assert.NotContains(t, err.Error(), s, "errors end up in logs")
	}
}
