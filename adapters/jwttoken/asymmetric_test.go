package jwttoken_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/domain"
)

// rsaKey returns one 2048-bit key per test binary: generating them is slow.
var rsaKey = func() func(t testing.TB) *rsa.PrivateKey {
	var (
		once sync.Once
		key  *rsa.PrivateKey
		err  error
	)
	return func(t testing.TB) *rsa.PrivateKey {
		once.Do(func() { key, err = rsa.GenerateKey(rand.Reader, 2048) })
		require.NoError(t, err)
		return key
	}
}()

func edKey(t testing.TB) ed25519.PrivateKey {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return key
}

func thumbprint(t *testing.T, key crypto.PublicKey) string {
	t.Helper()
	kid, err := jwttoken.Thumbprint(key)
	require.NoError(t, err)
	return kid
}

func TestAsymmetricHeaderNamesTheKey(t *testing.T) {
	for name, signer := range map[string]crypto.Signer{"EdDSA": edKey(t), "RS256": rsaKey(t)} {
		t.Run(name, func(t *testing.T) {
			tokens, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: signer}, nil, time.Hour, fixedClock{issuedAt})
			require.NoError(t, err)
			assert.Equal(t, name, tokens.Algorithm())
			token, err := tokens.Issue(user(7, ""), "")
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"alg": name, "typ": "JWT", "kid": thumbprint(t, signer.Public())}, segment(t, token, 0),
				"the kid defaults to the RFC 7638 thumbprint")

			named, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{ID: "2026-11", Signer: signer}, nil, time.Hour, fixedClock{issuedAt})
			require.NoError(t, err)
			token, err = named.Issue(user(7, ""), "")
			require.NoError(t, err)
			assert.Equal(t, "2026-11", segment(t, token, 0)["kid"])
			claims, err := named.Verify(token)
			require.NoError(t, err)
			assert.Equal(t, int64(7), claims.UserID)
		})
	}
}

func TestJWKS(t *testing.T) {
	ed, rsaPriv := edKey(t), rsaKey(t)
	tokens, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: ed},
		[]jwttoken.VerificationKey{{ID: "old-rsa", Key: rsaPriv.Public()}}, time.Hour, fixedClock{issuedAt})
	require.NoError(t, err)

	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(tokens.JWKS(), &set))
	require.Len(t, set.Keys, 2)
	assert.Equal(t, map[string]string{
		"kty": "OKP", "crv": "Ed25519", "x": b64(ed.Public().(ed25519.PublicKey)),
		"kid": thumbprint(t, ed.Public()), "alg": "EdDSA", "use": "sig",
	}, set.Keys[0], "the signing key first, public part only")
	assert.Equal(t, map[string]string{
		"kty": "RSA", "n": b64(rsaPriv.N.Bytes()), "e": "AQAB",
		"kid": "old-rsa", "alg": "RS256", "use": "sig",
	}, set.Keys[1], "no private member (d, p, q...)")

	jwks := tokens.JWKS()
	jwks[0] = 'X'
	assert.True(t, json.Valid(tokens.JWKS()), "callers get a copy")
}

// Rotating from RS256 to EdDSA: the old key's tokens verify with RS256, and only with it.
func TestRotationAcrossAlgorithms(t *testing.T) {
	clock := fixedClock{issuedAt}
	old, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: rsaKey(t)}, nil, time.Hour, clock)
	require.NoError(t, err)
	oldToken, err := old.Issue(user(7, ""), "")
	require.NoError(t, err)

	current, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: edKey(t)},
		[]jwttoken.VerificationKey{{Key: rsaKey(t).Public()}}, time.Hour, clock)
	require.NoError(t, err)
	claims, err := current.Verify(oldToken)
	require.NoError(t, err)
	assert.Equal(t, int64(7), claims.UserID)

	newToken, err := current.Issue(user(8, ""), "")
	require.NoError(t, err)
	_, err = old.Verify(newToken)
	require.ErrorIs(t, err, domain.ErrJWTInvalid, "the old replica does not know the new kid")

	// Both algorithms are accepted, but each only with its own keys.
	forged := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"user_id": 7, "exp": issuedAt.Add(time.Hour).Unix()})
	forged.Header["kid"] = segment(t, newToken, 0)["kid"]
	signed, err := forged.SignedString(rsaKey(t))
	require.NoError(t, err)
	_, err = current.Verify(signed)
	require.ErrorIs(t, err, domain.ErrJWTInvalid, "an RS256 token naming the Ed25519 key")
}

func TestNewAsymmetricRefuses(t *testing.T) {
	ed, other := edKey(t), edKey(t)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		signing  jwttoken.SigningKey
		previous []jwttoken.VerificationKey
	}{
		"no signing key":       {jwttoken.SigningKey{}, nil},
		"RSA 1024 signing":     {jwttoken.SigningKey{Signer: weak}, nil},
		"RSA 1024 previous":    {jwttoken.SigningKey{Signer: ed}, []jwttoken.VerificationKey{{Key: weak.Public()}}},
		"nil previous":         {jwttoken.SigningKey{Signer: ed}, []jwttoken.VerificationKey{{ID: "x"}}},
		"two keys, one kid":    {jwttoken.SigningKey{ID: "k", Signer: ed}, []jwttoken.VerificationKey{{ID: "k", Key: other.Public()}}},
		"an RSA crypto.Signer": {jwttoken.SigningKey{Signer: opaqueSigner{rsaKey(t)}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			tokens, err := jwttoken.NewAsymmetric(tc.signing, tc.previous, time.Hour, fixedClock{issuedAt})
			require.Error(t, err)
			assert.Nil(t, tokens)
		})
	}

	_, err = jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: ed},
		[]jwttoken.VerificationKey{{Key: ed.Public()}, {Key: other.Public()}}, time.Hour, fixedClock{issuedAt})
	assert.NoError(t, err, "listing the signing key among the previous ones is harmless")
}

// opaqueSigner hides the key type, as a hardware or KMS signer would.
type opaqueSigner struct{ crypto.Signer }
