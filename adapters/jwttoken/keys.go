package jwttoken

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// minRSABits is the smallest RSA modulus accepted, for signing and verifying alike: NIST
// has disallowed shorter ones since 2013.
const minRSABits = 2048

// LoadPrivateKeyPEM reads a signing key from the first PEM block of pemBytes: PKCS#8
// ("PRIVATE KEY", Ed25519 or RSA, as `openssl genpkey` writes) or PKCS#1 ("RSA PRIVATE
// KEY"). Encrypted keys are not read. Errors never quote the key.
func LoadPrivateKeyPEM(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("jwttoken: private key: no PEM block")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("jwttoken: private key: PEM block %q (want PRIVATE KEY or RSA PRIVATE KEY, unencrypted)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("jwttoken: private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("jwttoken: private key: %T is not supported (want Ed25519 or RSA)", key)
	}
	if _, _, err := methodOf(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// LoadPublicKeyPEM reads a verification key from the first PEM block of pemBytes: PKIX
// ("PUBLIC KEY", Ed25519 or RSA, as `openssl pkey -pubout` writes) or PKCS#1 ("RSA PUBLIC
// KEY").
func LoadPublicKeyPEM(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("jwttoken: public key: no PEM block")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("jwttoken: public key: PEM block %q (want PUBLIC KEY or RSA PUBLIC KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("jwttoken: public key: %w", err)
	}
	if _, _, err := methodOf(key); err != nil {
		return nil, err
	}
	return key, nil
}

// methodOf returns the JWS algorithm a public key verifies and its JWK, refusing other key
// types and RSA keys under minRSABits.
func methodOf(key crypto.PublicKey) (jwt.SigningMethod, jwk, error) {
	switch k := key.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, jwk{}, fmt.Errorf("jwttoken: Ed25519 public key of %d bytes", len(k))
		}
		return jwt.SigningMethodEdDSA, jwk{Kty: "OKP", Crv: "Ed25519", X: b64(k)}, nil
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return nil, jwk{}, fmt.Errorf("jwttoken: RSA key of %d bits (want at least %d)", bits, minRSABits)
		}
		return jwt.SigningMethodRS256, jwk{Kty: "RSA", N: b64(k.N.Bytes()), E: b64(big.NewInt(int64(k.E)).Bytes())}, nil
	default:
		return nil, jwk{}, fmt.Errorf("jwttoken: %T is not supported (want an Ed25519 or RSA key)", key)
	}
}

// Thumbprint returns the RFC 7638 JWK thumbprint of an Ed25519 or RSA public key (SHA-256,
// base64url): the key id used when none is given, the same on every replica.
func Thumbprint(key crypto.PublicKey) (string, error) {
	_, k, err := methodOf(key)
	if err != nil {
		return "", err
	}
	return k.thumbprint(), nil
}

// jwk is a public key as RFC 7517 publishes it.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// thumbprint hashes the required members only, in lexicographic order and without
// whitespace, as RFC 7638 §3 prescribes. The values are base64url, so need no escaping.
func (k jwk) thumbprint() string {
	var canonical string
	if k.Kty == "OKP" {
		canonical = fmt.Sprintf(`{"crv":%q,"kty":"OKP","x":%q}`, k.Crv, k.X)
	} else {
		canonical = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, k.E, k.N)
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
