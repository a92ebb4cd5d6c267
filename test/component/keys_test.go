package component_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// writeEd25519 writes a new key pair as PEM files and returns their paths.
func writeEd25519(t *testing.T) (private, public string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	dir := t.TempDir()
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	private, public = filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub.pem")
	require.NoError(t, os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600))
	require.NoError(t, os.WriteFile(public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644))
	return private, public
}

// With EdDSA, another service verifies tokens from the published JWKS alone, and a key
// rotation keeps the tokens of the previous key valid.
func TestAsymmetricSigningAndRotation(t *testing.T) {
	t.Parallel()
	oldKey, oldPublic := writeEd25519(t)
	newKey, _ := writeEd25519(t)
	database := testdb.SQLiteURL(t)
	before := harness.New(t, map[string]string{"DATABASE_URL": database, "JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": oldKey})
	mobile := harness.NewMobile()
	oldToken := before.Register(mobile, "correct horse")

	jwks := before.Request(http.MethodGet, "/.well-known/jwks.json", nil)
	require.Equal(t, http.StatusOK, jwks.Status)
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg string }
	}
	require.NoError(t, json.Unmarshal(jwks.Body, &set))
	require.Len(t, set.Keys, 1)
	require.Equal(t, "EdDSA", set.Keys[0].Alg)
	x, err := base64.RawURLEncoding.DecodeString(set.Keys[0].X)
	require.NoError(t, err)
	parsed, err := jwt.Parse(oldToken, func(tok *jwt.Token) (any, error) {
		require.Equal(t, set.Keys[0].Kid, tok.Header["kid"])
		return ed25519.PublicKey(x), nil
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithTimeFunc(before.Clock.Now))
	require.NoError(t, err)
	require.True(t, parsed.Valid)

	// HS256 tokens signed with the shared secret are refused in this mode.
	require.Equal(t, http.StatusUnauthorized, me(before, djangoToken(t, before, 1, mobile)))

	// Rotation: sign with the new key, keep verifying the old one.
	before.Stop()
	rotated := harness.New(t, map[string]string{
		"DATABASE_URL": database, "JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": newKey, "JWT_VERIFY_KEY_FILES": oldPublic,
	})
	require.Equal(t, http.StatusOK, me(rotated, oldToken), "a token of the previous key")
	require.Equal(t, http.StatusOK, me(rotated, rotated.Login(mobile, "correct horse")))
	jwks = rotated.Request(http.MethodGet, "/.well-known/jwks.json", nil)
	require.NoError(t, json.Unmarshal(jwks.Body, &set))
	require.Len(t, set.Keys, 2, "the new key and the old one")
}
