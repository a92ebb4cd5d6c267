package jwttoken

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var (
	_ ports.AccessTokens = (*Asymmetric)(nil)
	_ ports.KeySet       = (*Asymmetric)(nil)
)

// SigningKey signs new tokens.
type SigningKey struct {
	// ID is the kid written in each token's header; empty means the RFC 7638 thumbprint
	// of the public key (see Thumbprint).
	ID string
	// Signer is an ed25519.PrivateKey (tokens are EdDSA) or an *rsa.PrivateKey of at least
	// 2048 bits (RS256), as LoadPrivateKeyPEM returns.
	Signer crypto.Signer
}

// VerificationKey is the public key of an earlier signing key, still accepted so that its
// tokens live out their lifetime after a rotation.
type VerificationKey struct {
	// ID is the kid its tokens carry; empty means the RFC 7638 thumbprint.
	ID string
	// Key is an ed25519.PublicKey or an *rsa.PublicKey, as LoadPublicKeyPEM returns.
	Key crypto.PublicKey
}

// Asymmetric implements ports.AccessTokens with EdDSA (Ed25519) or RS256 JWTs, and
// ports.KeySet with their public keys. Every token names its key in a kid header; a token
// verifies only under the key its kid names and with that key's algorithm. Safe for
// concurrent use.
type Asymmetric struct {
	signer   crypto.Signer
	method   jwt.SigningMethod
	kid      string
	keys     map[string]verificationKey
	algs     []string // the algorithms of keys, for the parser
	jwks     []byte
	ttl      time.Duration
	clock    ports.Clock
	parser   *jwt.Parser
	verified *verifiedTokens
}

type verificationKey struct {
	alg string
	key crypto.PublicKey
}

// NewAsymmetric returns tokens signed with signing, that expire ttl after issue by clock's
// time, and verified with signing's public key or any of previous. Keys of both algorithms
// may be mixed, so rotating from RS256 to EdDSA works like rotating between two Ed25519
// keys. Listing the signing key among previous is harmless; two different keys with one
// kid are an error.
func NewAsymmetric(signing SigningKey, previous []VerificationKey, ttl time.Duration, clock ports.Clock) (*Asymmetric, error) {
	if signing.Signer == nil {
		return nil, errors.New("jwttoken: no signing key")
	}
	method, _, err := methodOf(signing.Signer.Public())
	if err != nil {
		return nil, fmt.Errorf("jwttoken: signing key: %w", err)
	}
	if _, isRSA := signing.Signer.Public().(*rsa.PublicKey); isRSA {
		// golang-jwt signs RS256 only with the private key itself, not with any crypto.Signer.
		if _, ok := signing.Signer.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("jwttoken: signing key: RS256 needs an *rsa.PrivateKey, have %T", signing.Signer)
		}
	}
	a := &Asymmetric{
		signer:   signing.Signer,
		method:   method,
		keys:     make(map[string]verificationKey),
		ttl:      ttl,
		clock:    clock,
		verified: newVerifiedTokens(),
	}
	var published []jwk
	all := append([]VerificationKey{{ID: signing.ID, Key: signing.Signer.Public()}}, previous...)
	for i, k := range all {
		m, pub, err := methodOf(k.Key)
		if err != nil {
			return nil, fmt.Errorf("jwttoken: verification key %d: %w", i, err)
		}
		pub.Kid = k.ID
		if pub.Kid == "" {
			pub.Kid = pub.thumbprint()
		}
		pub.Alg, pub.Use = m.Alg(), "sig"
		if seen, ok := a.keys[pub.Kid]; ok {
			if same, _ := seen.key.(interface{ Equal(crypto.PublicKey) bool }); same != nil && same.Equal(k.Key) {
				continue
			}
			return nil, fmt.Errorf("jwttoken: two different keys have kid %q", pub.Kid)
		}
		if i == 0 {
			a.kid = pub.Kid
		}
		a.keys[pub.Kid] = verificationKey{alg: m.Alg(), key: k.Key}
		if !slices.Contains(a.algs, m.Alg()) {
			a.algs = append(a.algs, m.Alg())
		}
		published = append(published, pub)
	}
	if a.jwks, err = json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{published}); err != nil {
		return nil, fmt.Errorf("jwttoken: JWKS: %w", err)
	}
	a.parser = newParser(a.algs, clock)
	return a, nil
}

// Algorithm is the JWS algorithm of new tokens: "EdDSA" or "RS256".
func (a *Asymmetric) Algorithm() string { return a.method.Alg() }

// Issue returns a token with djangorestframework-jwt's payload, plus iat, jti, ver and sid
// (when session is set), and a kid header naming the signing key.
func (a *Asymmetric) Issue(user *domain.User, session string) (string, error) {
	return issue(a.method, a.signer, a.kid, a.ttl, a.clock.Now(), user, session)
}

// Verify returns what a valid token says. Beyond the verdicts of HS256, a missing or
// unknown kid, or an algorithm other than its key's (an HS256 token "signed" with a public
// key, say), is domain.ErrJWTInvalid.
func (a *Asymmetric) Verify(token string) (domain.AccessClaims, error) {
	return a.verified.verify(token, a.clock.Now(), a.verifyFully)
}

// verifyFully checks a token's kid, signature and claims.
func (a *Asymmetric) verifyFully(token string) (domain.AccessClaims, error) {
	return verify(a.parser, a.algs, token, a.key)
}

// key is the jwt.Keyfunc: the public key the token's kid names, if the token's algorithm is
// that key's. The kid comes from the client, so it is not quoted in the error.
func (a *Asymmetric) key(token *jwt.Token) (any, error) {
	kid, _ := token.Header["kid"].(string)
	k, ok := a.keys[kid]
	if !ok {
		return nil, errors.New("jwttoken: no key has the token's kid")
	}
	if token.Method.Alg() != k.alg {
		return nil, fmt.Errorf("jwttoken: the key of the token's kid verifies %s, not %s", k.alg, token.Method.Alg())
	}
	return k.key, nil
}

// JWKS returns the public keys as an RFC 7517 key set, the signing key first.
func (a *Asymmetric) JWKS() []byte { return bytes.Clone(a.jwks) }
