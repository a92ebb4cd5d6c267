package jwttoken_test

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// der fails t on a marshalling error.
func der(t *testing.T) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		require.NoError(t, err)
		return b
	}
}

func TestLoadPrivateKeyPEM(t *testing.T) {
	must := der(t)
	edPriv, rsaPriv := edKey(t), rsaKey(t)

	for name, tc := range map[string]struct {
		pem  []byte
		want crypto.Signer
	}{
		"Ed25519 PKCS#8": {pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(edPriv))), edPriv},
		"RSA PKCS#8":     {pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(rsaPriv))), rsaPriv},
		"RSA PKCS#1":     {pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), rsaPriv},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := jwttoken.LoadPrivateKeyPEM(tc.pem)
			require.NoError(t, err)
			assert.True(t, tc.want.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(got.Public()))
		})
	}
}

func TestLoadPrivateKeyPEMRefuses(t *testing.T) {
	must := der(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	garbage := pemBlock("PRIVATE KEY", []byte("not DER at all, and secret"))

	for name, in := range map[string][]byte{
		"empty":          nil,
		"not PEM":        []byte("-----BEGIN NOTHING"),
		"garbage DER":    garbage,
		"ECDSA":          pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(ecKey))),
		"X25519":         pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(x25519))),
		"RSA 1024":       pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(weak)),
		"a public key":   pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(edPub))),
		"encrypted":      pemBlock("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}),
		"EC PRIVATE KEY": pemBlock("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey))),
	} {
		t.Run(name, func(t *testing.T) {
			key, err := jwttoken.LoadPrivateKeyPEM(in)
			require.Error(t, err)
			assert.Nil(t, key)
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestLoadPublicKeyPEM(t *testing.T) {
	must := der(t)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	rsaPub := &rsaKey(t).PublicKey

	for name, tc := range map[string]struct {
		pem  []byte
		want crypto.PublicKey
	}{
		"Ed25519 PKIX": {pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(edPub))), edPub},
		"RSA PKIX":     {pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(rsaPub))), rsaPub},
		"RSA PKCS#1":   {pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaPub)), rsaPub},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := jwttoken.LoadPublicKeyPEM(tc.pem)
			require.NoError(t, err)
			assert.True(t, tc.want.(interface{ Equal(crypto.PublicKey) bool }).Equal(got))
		})
	}

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	for name, in := range map[string][]byte{
		"empty":         nil,
		"ECDSA":         pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&ecKey.PublicKey))),
		"RSA 1024":      pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&weak.PublicKey))),
		"a private key": pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(weak)),
		"garbage DER":   pemBlock("PUBLIC KEY", []byte("junk")),
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, err := jwttoken.LoadPublicKeyPEM(in)
			require.Error(t, err)
		})
	}
}

// The examples of RFC 7638 §3.1 (RSA) and RFC 8037 Appendix A.3 (Ed25519).
func TestThumbprintMatchesTheRFCExamples(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	require.NoError(t, err)
	kid, err := jwttoken.Thumbprint(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	require.NoError(t, err)
	assert.Equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", kid)

	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	require.NoError(t, err)
	kid, err = jwttoken.Thumbprint(ed25519.PublicKey(x))
	require.NoError(t, err)
	assert.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", kid)

	_, err = jwttoken.Thumbprint(ed25519.PublicKey(x[:31]))
	assert.Error(t, err)
}
