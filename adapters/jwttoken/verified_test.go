package jwttoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
)

// fullVerifier counts the full verifications behind a verifiedTokens.
type fullVerifier struct {
	calls  int
	claims domain.AccessClaims
	err    error
}

func (f *fullVerifier) verify(string) (domain.AccessClaims, error) {
	f.calls++
	return f.claims, f.err
}

func TestVerifiedTokensRememberSuccessesUntilExp(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	full := &fullVerifier{claims: domain.AccessClaims{UserID: 7, ExpiresAt: now.Add(time.Minute)}}
	v := newVerifiedTokens()

	for range 3 {
		claims, err := v.verify("token", now, full.verify)
		require.NoError(t, err)
		assert.Equal(t, full.claims, claims)
	}
	assert.Equal(t, 1, full.calls, "verified once, then remembered")

	full.err = domain.ErrJWTExpired
	_, err := v.verify("token", now.Add(time.Minute), full.verify)
	assert.ErrorIs(t, err, domain.ErrJWTExpired, "at exp the token is verified again")
	assert.Equal(t, 2, full.calls)
	assert.Empty(t, v.tokens, "an expired token is forgotten")
}

// A token with an nbf, remembered, must not outlive a clock set back before its nbf.
func TestVerifiedTokensVerifyAgainWhenTheClockGoesBack(t *testing.T) {
	clock := &settableClock{t: time.Now()}
	tokens := NewHS256([]byte("secret"), time.Hour, clock)
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"user_id": 7, "nbf": clock.t.Unix(), "exp": clock.t.Add(time.Hour).Unix(),
	}).SignedString([]byte("secret"))
	require.NoError(t, err)

	_, err = tokens.Verify(token)
	require.NoError(t, err)
	clock.t = clock.t.Add(-time.Minute)
	_, err = tokens.Verify(token)
	assert.ErrorIs(t, err, domain.ErrJWTInvalid, "not valid yet, as a full verification says")
}

type settableClock struct{ t time.Time }

func (c *settableClock) Now() time.Time { return c.t }

func TestVerifiedTokensRememberNoRefusal(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	full := &fullVerifier{err: domain.ErrJWTDecode}
	v := newVerifiedTokens()
	for range 2 {
		_, err := v.verify("forged", now, full.verify)
		assert.ErrorIs(t, err, domain.ErrJWTDecode)
	}
	assert.Equal(t, 2, full.calls, "a refusal is never remembered")
	assert.Empty(t, v.tokens)
}

func TestVerifiedTokensStayBounded(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	v := newVerifiedTokens()
	for i := range verifiedTokensMax + 100 {
		full := &fullVerifier{claims: domain.AccessClaims{UserID: int64(i), ExpiresAt: now.Add(time.Hour)}}
		claims, err := v.verify("token-"+strconv.Itoa(i), now, full.verify)
		require.NoError(t, err)
		require.Equal(t, int64(i), claims.UserID)
	}
	assert.Len(t, v.tokens, verifiedTokensMax)

	// Verifying a remembered token again (here, with the clock set back) evicts nothing.
	before := maps.Clone(v.tokens)
	last := "token-" + strconv.Itoa(verifiedTokensMax+99)
	_, err := v.verify(last, now.Add(-time.Second), (&fullVerifier{claims: domain.AccessClaims{ExpiresAt: now.Add(time.Hour)}}).verify)
	require.NoError(t, err)
	assert.Len(t, v.tokens, verifiedTokensMax)
	for digest := range before {
		if _, kept := v.tokens[digest]; !kept {
			t.Fatal("a remembered token was evicted")
		}
	}
}

func TestVerifiedTokensKeepEachTokensOwnClaims(t *testing.T) {
	tokens := NewHS256([]byte("secret"), time.Hour, clockAt(time.Now()))
	issued := map[int64]string{}
	for id := int64(1); id <= 3; id++ {
		token, err := tokens.Issue(domain.UnmarshalUserFromDatabase(domain.UserRecord{ID: id, Username: strconv.FormatInt(id, 10)}), "")
		require.NoError(t, err)
		issued[id] = token
	}
	for range 2 {
		for id, token := range issued {
			claims, err := tokens.Verify(token)
			require.NoError(t, err)
			assert.Equal(t, id, claims.UserID)
		}
	}
	_, err := tokens.Verify(issued[1] + "A")
	assert.True(t, errors.Is(err, domain.ErrJWTDecode), "a token verified before, altered, is refused: %v", err)
}

type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// The cost of verifying a token the first time it is seen; BenchmarkVerify measures the
// later uses.
func BenchmarkVerifyFirstUse(b *testing.B) {
	ed, err := NewAsymmetric(SigningKey{Signer: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}, nil, time.Hour, clockAt(time.Now()))
	require.NoError(b, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(b, err)
	rs, err := NewAsymmetric(SigningKey{Signer: rsaKey}, nil, time.Hour, clockAt(time.Now()))
	require.NoError(b, err)
	hs := NewHS256([]byte("bench secret"), time.Hour, clockAt(time.Now()))
	user := domain.UnmarshalUserFromDatabase(domain.UserRecord{ID: 42, Username: "13800000000"})
	for name, tokens := range map[string]interface {
		Issue(*domain.User, string) (string, error)
		verifyFully(string) (domain.AccessClaims, error)
	}{"HS256": hs, "EdDSA": ed, "RS256": rs} {
		b.Run(name, func(b *testing.B) {
			token, err := tokens.Issue(user, "session")
			require.NoError(b, err)
			for b.Loop() {
				if _, err := tokens.verifyFully(token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
