package contract

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// AccessTokenIssuer is what an access-token adapter implements: the tokens, and the key set
// that publishes how to verify them.
type AccessTokenIssuer interface {
	ports.AccessTokens
	ports.KeySet
}

// AccessTokenKeys are the keys the suite builds an implementation with. The suite holds
// them because the contract makes them observable: anyone holding the verification key
// (Django apps sharing the HS256 secret, services reading the JWKS) must accept the tokens,
// and a token signed with the key under another algorithm must still be refused.
type AccessTokenKeys struct {
	// Signing signs new tokens: the secret ([]byte) for HS256, an ed25519.PrivateKey for
	// EdDSA, an *rsa.PrivateKey for RS256.
	Signing any
	// Previous are public keys of earlier signing keys that must still verify (rotation).
	// Always empty for HS256, which has one secret.
	Previous []crypto.PublicKey
}

// Algorithms the suite knows how to make keys for.
const (
	AlgHS256 = "HS256"
	AlgEdDSA = "EdDSA"
	AlgRS256 = "RS256"
)

// AccessTokens checks an implementation of ports.AccessTokens and ports.KeySet signing with
// alg (AlgHS256, AlgEdDSA or AlgRS256) against CONTRACT §3.1 and issue 5:
// djangorestframework-jwt's payload plus iat, jti, ver and sid; PyJWT's verdict on every
// bad token (expired, decode error, invalid); a kid naming the key of asymmetric tokens;
// rotation; and no confusion between algorithms.
//
// newTokens returns an implementation built with keys whose time is clock's.
func AccessTokens(t *testing.T, alg string, newTokens func(t *testing.T, keys AccessTokenKeys, clock ports.Clock) AccessTokenIssuer) {
	method := jwt.GetSigningMethod(alg)
	require.NotNil(t, method, "unknown algorithm %q", alg)
	s := &accessTokenSuite{
		alg:        alg,
		method:     method,
		asymmetric: alg != AlgHS256,
		keys:       jwtKeys(t, alg, 3),
		start:      time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		newTokens:  newTokens,
	}

	t.Run("RoundTrip", func(t *testing.T) { testAccessTokenRoundTrip(t, s) })
	t.Run("TokenIDsAreUniqueAndRandom", func(t *testing.T) { testTokenIDsAreUniqueAndRandom(t, s) })
	t.Run("HeaderAndPayloadAreDjangoRESTFrameworkJWTs", func(t *testing.T) { testHeaderAndPayloadAreDjangoRESTFrameworkJWTs(t, s) })
	t.Run("AnyHolderOfTheVerificationKeyAcceptsTheToken", func(t *testing.T) { testAnyHolderOfTheVerificationKeyAcceptsTheToken(t, s) })
	t.Run("KeySetPublishesPublicKeysOnly", func(t *testing.T) { testKeySetPublishesPublicKeysOnly(t, s) })
	t.Run("ExpiresAtExpWithoutLeeway", func(t *testing.T) { testExpiresAtExpWithoutLeeway(t, s) })
	t.Run("SignatureIsCheckedBeforeExpiry", func(t *testing.T) { testSignatureIsCheckedBeforeExpiry(t, s) })
	t.Run("TamperedPayloadIsADecodeError", func(t *testing.T) { testTamperedPayloadIsADecodeError(t, s) })
	t.Run("TamperedSignatureIsADecodeError", func(t *testing.T) { testTamperedSignatureIsADecodeError(t, s) })
	t.Run("WrongKeyIsADecodeError", func(t *testing.T) { testWrongKeyIsADecodeError(t, s) })
	t.Run("GarbageIsADecodeError", func(t *testing.T) { testGarbageIsADecodeError(t, s) })
	t.Run("OtherAlgorithmsAreInvalid", func(t *testing.T) { testOtherAlgorithmsAreInvalid(t, s) })
	t.Run("UnknownKeyIDIsInvalid", func(t *testing.T) { testUnknownKeyIDIsInvalid(t, s) })
	t.Run("RotationKeepsListedKeysOnly", func(t *testing.T) { testRotationKeepsListedKeysOnly(t, s) })
	t.Run("DjangoStyleTokensAreVersionZero", func(t *testing.T) { testDjangoStyleTokensAreVersionZero(t, s) })
	t.Run("BadClaimsAreInvalid", func(t *testing.T) { testBadClaimsAreInvalid(t, s) })
}

// accessTokenSuite is what every access-token case knows: the algorithm under test, the
// keys it has made for it, and how to build an implementation.
type accessTokenSuite struct {
	alg        string
	method     jwt.SigningMethod
	asymmetric bool
	// keys[0] signs in every test; keys[1] and keys[2] are other keys of the same kind.
	keys []any
	// start is the time every implementation's clock starts at.
	start     time.Time
	newTokens func(t *testing.T, keys AccessTokenKeys, clock ports.Clock) AccessTokenIssuer
}

// setup builds an implementation signing with signing (keys[0] when nil).
func (s *accessTokenSuite) setup(t *testing.T, signing any, previous ...any) *jwtHarness {
	if signing == nil {
		signing = s.keys[0]
	}
	h := &jwtHarness{method: s.method, signing: signing, verifying: jwtPublic(signing), clock: NewTestClock(s.start)}
	k := AccessTokenKeys{Signing: signing}
	for _, p := range previous {
		k.Previous = append(k.Previous, jwtPublic(p))
	}
	h.tokens = s.newTokens(t, k, h.clock)
	// The kid is the implementation's to choose: learn it from a token.
	token, err := h.tokens.Issue(jwtUser(1, ""), "")
	require.NoError(t, err)
	if kid, ok := jwtSegment(t, token, 0)["kid"]; ok {
		require.NoError(t, json.Unmarshal(kid, &h.kid), "kid is a string")
	}
	if s.asymmetric {
		require.NotEmpty(t, h.kid, "asymmetric tokens name their key")
	}
	return h
}

// validClaims returns claims a correct token would carry at now.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"user_id": 42, "username": "13800000000", "exp": now.Add(time.Hour).Unix(), "email": nil,
		"iat": now.Unix(), "jti": "contract-jti", "ver": 0,
	}
}

func testAccessTokenRoundTrip(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	// 2^53+1 is the first integer a float64 cannot hold: ids must not pass through one.
	for _, id := range []int64{1, 42, 1<<53 + 1} {
		for _, version := range []int{0, 1, 7} {
			for _, session := range []string{"", "family-9f86d081884c7d65"} {
				token, err := h.tokens.Issue(jwtVersionedUser(id, "", version), session)
				require.NoError(t, err)
				payload := jwtSegment(t, token, 1)
				var jti string
				require.NoError(t, json.Unmarshal(payload["jti"], &jti), "jti is a string")

				got, err := h.tokens.Verify(token)
				require.NoError(t, err)
				assert.Equal(t, domain.AccessClaims{
					UserID: id, Version: version, ID: jti, Session: session,
					ExpiresAt: time.Unix(jwtSeconds(t, payload, "exp"), 0).UTC(),
				}, got)
			}
		}
	}
}

func testTokenIDsAreUniqueAndRandom(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	seen := make(map[string]bool)
	for range 200 {
		// Same user, same second: only the jti tells the tokens apart.
		token, err := h.tokens.Issue(jwtUser(42, ""), "s")
		require.NoError(t, err)
		claims, err := h.tokens.Verify(token)
		require.NoError(t, err)
		// 128 bits are 22 base64url characters or 32 hex digits.
		assert.GreaterOrEqual(t, len(claims.ID), 22, "jti %q is too short for 128 random bits", claims.ID)
		assert.False(t, seen[claims.ID], "jti %q repeated", claims.ID)
		seen[claims.ID] = true
	}
}

func testHeaderAndPayloadAreDjangoRESTFrameworkJWTs(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	token, err := h.tokens.Issue(jwtVersionedUser(42, "", 3), "")
	require.NoError(t, err)

	header := jwtSegment(t, token, 0)
	assert.JSONEq(t, strconv.Quote(s.alg), string(header["alg"]))
	assert.JSONEq(t, `"JWT"`, string(header["typ"]))
	if !s.asymmetric {
		assert.Len(t, header, 2, "djangorestframework-jwt's header, nothing more")
	}

	payload := jwtSegment(t, token, 1)
	assert.Equal(t, "42", string(payload["user_id"]), "user_id is a JSON integer")
	assert.JSONEq(t, `"13800000000"`, string(payload["username"]))
	assert.Equal(t, "null", string(payload["email"]), "an unset email is null, as Django serialises it")
	assert.Equal(t, strconv.FormatInt(s.start.Unix(), 10), string(payload["iat"]), "iat is the clock's time in whole seconds")
	assert.Greater(t, jwtSeconds(t, payload, "exp"), s.start.Unix(), "exp is after iat")
	assert.Equal(t, "3", string(payload["ver"]), "ver is the user's token version, a JSON integer")
	assert.NotContains(t, payload, "sid", "no session, no sid")

	token, err = h.tokens.Issue(jwtUser(43, "user@example.com"), "family-1")
	require.NoError(t, err)
	payload = jwtSegment(t, token, 1)
	assert.JSONEq(t, `"user@example.com"`, string(payload["email"]))
	assert.JSONEq(t, `"family-1"`, string(payload["sid"]))
	assert.Equal(t, "0", string(payload["ver"]))
}

func testAnyHolderOfTheVerificationKeyAcceptsTheToken(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	token, err := h.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)
	// The secret for HS256; otherwise the key the JWKS publishes under the token's kid.
	key := h.verifying
	if s.asymmetric {
		key = jwksKey(t, h.tokens.JWKS(), h.kid)
	}
	parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{s.alg}), jwt.WithTimeFunc(h.clock.Now))
	require.NoError(t, err)
	assert.True(t, parsed.Valid)
}

func testKeySetPublishesPublicKeysOnly(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	var set struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if !s.asymmetric {
		require.NoError(t, json.Unmarshal(s.setup(t, nil).tokens.JWKS(), &set))
		assert.Empty(t, set.Keys, "a shared secret is never published")
		return
	}
	require.NoError(t, json.Unmarshal(s.setup(t, nil, s.keys[1]).tokens.JWKS(), &set))
	require.Len(t, set.Keys, 2, "the signing key and the previous one")
	for _, k := range set.Keys {
		for _, member := range []string{"kty", "kid", "alg", "use"} {
			assert.Contains(t, k, member)
		}
		assert.JSONEq(t, `"sig"`, string(k["use"]))
		// Private members of RFC 7518 §6.2.2, §6.3.2 and §6.4, and RFC 8037 §2.
		for _, member := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			assert.NotContains(t, k, member)
		}
	}
}

func testExpiresAtExpWithoutLeeway(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	token, err := h.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)
	exp := time.Unix(jwtSeconds(t, jwtSegment(t, token, 1), "exp"), 0)

	h.clock.Set(exp.Add(-time.Second))
	claims, err := h.tokens.Verify(token)
	require.NoError(t, err, "valid one second before exp")
	assert.Equal(t, int64(42), claims.UserID)

	h.clock.Set(exp)
	requireJWTError(t, h.tokens, token, domain.ErrJWTExpired)
	h.clock.Advance(24 * time.Hour)
	requireJWTError(t, h.tokens, token, domain.ErrJWTExpired)
}

func testSignatureIsCheckedBeforeExpiry(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	claims := validClaims(s.start)
	claims["exp"] = s.start.Add(-time.Hour).Unix()
	requireJWTError(t, h.tokens, h.signWith(t, s.keys[1], claims), domain.ErrJWTDecode)
}

func testTamperedPayloadIsADecodeError(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	token, err := h.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	forged := strings.Replace(string(payload), `"user_id":42`, `"user_id":1`, 1)
	require.NotEqual(t, string(payload), forged)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	requireJWTError(t, h.tokens, strings.Join(parts, "."), domain.ErrJWTDecode)
}

func testTamperedSignatureIsADecodeError(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	token, err := h.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)
	dot := strings.LastIndex(token, ".")
	// Change a character in the middle: the last one may only carry padding bits.
	at := dot + 5
	c := byte('A')
	if token[at] == 'A' {
		c = 'B'
	}
	requireJWTError(t, h.tokens, token[:at]+string(c)+token[at+1:], domain.ErrJWTDecode)
	requireJWTError(t, h.tokens, token[:dot+1], domain.ErrJWTDecode)
}

func testWrongKeyIsADecodeError(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	// Under the right kid, so only the signature is wrong.
	requireJWTError(t, h.tokens, h.signWith(t, s.keys[1], validClaims(s.start)), domain.ErrJWTDecode)

	other := s.setup(t, s.keys[1])
	token, err := other.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)
	if s.asymmetric {
		// Another key has another kid, which names no key here.
		requireJWTError(t, h.tokens, token, domain.ErrJWTInvalid)
	} else {
		requireJWTError(t, h.tokens, token, domain.ErrJWTDecode)
	}
}

func testGarbageIsADecodeError(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	claims, err := json.Marshal(validClaims(s.start))
	require.NoError(t, err)
	for name, token := range map[string]string{
		"empty":                 "",
		"word":                  "garbage",
		"two segments":          "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0",
		"four segments":         "a.b.c.d",
		"not base64":            "a!.b!.c!",
		"header not JSON":       h.signRaw(t, "not json", string(claims)),
		"payload not JSON":      h.signRaw(t, h.header(s.alg), "not json"),
		"payload not an object": h.signRaw(t, h.header(s.alg), `[1,2]`),
	} {
		t.Run(name, func(t *testing.T) { requireJWTError(t, h.tokens, token, domain.ErrJWTDecode) })
	}
}

func testOtherAlgorithmsAreInvalid(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	claims, err := json.Marshal(validClaims(s.start))
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	// hmacWith signs valid claims under the right kid with HMAC keyed by secret.
	hmacWith := func(m jwt.SigningMethod, secret []byte) string {
		return jwtSignedWithKID(t, m, secret, h.kid, validClaims(s.start))
	}
	tokens := map[string]string{
		"none":                 jwtB64(h.header("none")) + "." + jwtB64(string(claims)) + ".",
		"none with signature":  jwtHS256Raw(jwtRandomBytes(t, 32), h.header("none"), string(claims)),
		"none, expired claims": jwtB64(`{"alg":"none"}`) + "." + jwtB64(`{"user_id":42,"exp":1}`) + ".",
		"no alg":               h.signRaw(t, strings.Replace(h.header(s.alg), `"alg":`+strconv.Quote(s.alg), `"x":0`, 1), string(claims)),
		"lowercase alg":        h.signRaw(t, h.header(strings.ToLower(s.alg)), string(claims)),
		"unknown alg":          h.signRaw(t, h.header("HS999"), string(claims)),
		"ES256":                jwtSignedWithKID(t, jwt.SigningMethodES256, ecKey, h.kid, validClaims(s.start)),
	}
	if s.asymmetric {
		// The classic confusion: an HS256 token whose "secret" is the public key, which
		// anyone can fetch, in every encoding a verifier might hand HMAC.
		pub := h.verifying.(crypto.PublicKey)
		pkix, err := x509.MarshalPKIXPublicKey(pub)
		require.NoError(t, err)
		pkixPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
		tokens["HS256 keyed by the public key, PEM"] = hmacWith(jwt.SigningMethodHS256, pkixPEM)
		tokens["HS256 keyed by the public key, DER"] = hmacWith(jwt.SigningMethodHS256, pkix)
		tokens["HS512 keyed by the public key, PEM"] = hmacWith(jwt.SigningMethodHS512, pkixPEM)
		tokens["HS256 keyed by the JWKS"] = hmacWith(jwt.SigningMethodHS256, h.tokens.JWKS())
		switch k := pub.(type) {
		case *rsa.PublicKey:
			pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(k)})
			tokens["HS256 keyed by the public key, PKCS#1 PEM"] = hmacWith(jwt.SigningMethodHS256, pkcs1)
			tokens["HS256 keyed by the modulus"] = hmacWith(jwt.SigningMethodHS256, k.N.Bytes())
		case ed25519.PublicKey:
			tokens["HS256 keyed by the raw public key"] = hmacWith(jwt.SigningMethodHS256, k)
		}
	} else {
		tokens["HS384, right secret"] = hmacWith(jwt.SigningMethodHS384, h.signing.([]byte))
		tokens["HS512, right secret"] = hmacWith(jwt.SigningMethodHS512, h.signing.([]byte))
		tokens["HS512, other secret"] = hmacWith(jwt.SigningMethodHS512, jwtRandomBytes(t, 32))
	}
	switch s.alg {
	case AlgRS256:
		// The right private key under another RSA algorithm.
		for _, m := range []jwt.SigningMethod{jwt.SigningMethodRS384, jwt.SigningMethodRS512, jwt.SigningMethodPS256} {
			tokens[m.Alg()+", right key"] = jwtSignedWithKID(t, m, h.signing, h.kid, validClaims(s.start))
		}
		tokens["EdDSA"] = jwtSignedWithKID(t, jwt.SigningMethodEdDSA, edKey, h.kid, validClaims(s.start))
	case AlgEdDSA:
		tokens["RS256"] = jwtSignedWithKID(t, jwt.SigningMethodRS256, jwtRSAKey(t), h.kid, validClaims(s.start))
	default:
		tokens["RS256"] = jwtSignedWithKID(t, jwt.SigningMethodRS256, jwtRSAKey(t), h.kid, validClaims(s.start))
		tokens["EdDSA"] = jwtSignedWithKID(t, jwt.SigningMethodEdDSA, edKey, h.kid, validClaims(s.start))
	}
	for name, token := range tokens {
		t.Run(name, func(t *testing.T) { requireJWTError(t, h.tokens, token, domain.ErrJWTInvalid) })
	}
}

func testUnknownKeyIDIsInvalid(t *testing.T, s *accessTokenSuite) {
	if !s.asymmetric {
		t.Skip("HS256 has one secret and needs no kid")
	}
	t.Parallel()
	h := s.setup(t, nil)
	claims, err := json.Marshal(validClaims(s.start))
	require.NoError(t, err)
	noKID := &jwtHarness{method: h.method, signing: h.signing}
	for name, token := range map[string]string{
		"no kid":        noKID.signRaw(t, noKID.header(s.alg), string(claims)),
		"empty kid":     h.signRaw(t, `{"alg":`+strconv.Quote(s.alg)+`,"typ":"JWT","kid":""}`, string(claims)),
		"unknown kid":   jwtSignedWithKID(t, h.method, h.signing, "no-such-key", validClaims(s.start)),
		"kid not a str": h.signRaw(t, `{"alg":`+strconv.Quote(s.alg)+`,"typ":"JWT","kid":1}`, string(claims)),
	} {
		t.Run(name, func(t *testing.T) { requireJWTError(t, h.tokens, token, domain.ErrJWTInvalid) })
	}
}

func testRotationKeepsListedKeysOnly(t *testing.T, s *accessTokenSuite) {
	if !s.asymmetric {
		t.Skip("HS256 has one secret: changing it ends every token, as changing Django's SECRET_KEY does")
	}
	t.Parallel()
	before := s.setup(t, s.keys[1])
	oldToken, err := before.tokens.Issue(jwtUser(42, ""), "family")
	require.NoError(t, err)
	dropped := s.setup(t, s.keys[2])
	droppedToken, err := dropped.tokens.Issue(jwtUser(42, ""), "")
	require.NoError(t, err)

	// Sign with keys[0]; keys[1] still verifies, keys[2] was rotated out.
	h := s.setup(t, s.keys[0], s.keys[1])
	assert.NotEqual(t, before.kid, h.kid, "new tokens name the new key")
	claims, err := h.tokens.Verify(oldToken)
	require.NoError(t, err, "a token of a listed earlier key lives out its lifetime")
	assert.Equal(t, int64(42), claims.UserID)
	assert.Equal(t, "family", claims.Session)
	requireJWTError(t, h.tokens, droppedToken, domain.ErrJWTInvalid)
	assert.NotNil(t, jwksKey(t, h.tokens.JWKS(), before.kid), "the JWKS still publishes the earlier key")

	// Once the earlier key is dropped from the list, its tokens end.
	after := s.setup(t, s.keys[0])
	requireJWTError(t, after.tokens, oldToken, domain.ErrJWTInvalid)
	newToken, err := h.tokens.Issue(jwtUser(43, ""), "")
	require.NoError(t, err)
	claims, err = after.tokens.Verify(newToken)
	require.NoError(t, err)
	assert.Equal(t, int64(43), claims.UserID)
}

func testDjangoStyleTokensAreVersionZero(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	// djangorestframework-jwt's payload alone: no iat, jti, ver or sid.
	exp := s.start.Add(time.Hour).Unix()
	token := h.signRaw(t, h.header(s.alg),
		`{"user_id":42,"username":"13800000000","exp":`+strconv.FormatInt(exp, 10)+`,"email":null}`)
	claims, err := h.tokens.Verify(token)
	require.NoError(t, err)
	assert.NotEmpty(t, claims.ID, "a token without a jti has an id all the same: logging out revokes it by that")
	assert.Equal(t, domain.AccessClaims{UserID: 42, ID: claims.ID, ExpiresAt: time.Unix(exp, 0).UTC()}, claims)

	// The signature's last character has bits decoding ignores: set, they spell the same
	// token, which must keep its id. Another token has another id.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	respelled := token[:len(token)-1] + string(alphabet[strings.IndexByte(alphabet, token[len(token)-1])^1])
	same, err := h.tokens.Verify(respelled)
	require.NoError(t, err, "the decoder ignores those bits")
	assert.Equal(t, claims.ID, same.ID)
	other, err := h.tokens.Verify(h.signRaw(t, h.header(s.alg),
		`{"user_id":42,"username":"13800000000","exp":`+strconv.FormatInt(exp+1, 10)+`,"email":null}`))
	require.NoError(t, err)
	assert.NotEqual(t, claims.ID, other.ID)
}

func testBadClaimsAreInvalid(t *testing.T, s *accessTokenSuite) {
	t.Parallel()
	h := s.setup(t, nil)
	with := func(key string, value any) string {
		claims := validClaims(s.start)
		claims[key] = value
		return h.signWith(t, h.signing, claims)
	}
	without := func(key string) string {
		claims := validClaims(s.start)
		delete(claims, key)
		return h.signWith(t, h.signing, claims)
	}
	for name, token := range map[string]string{
		"no user_id":         without("user_id"),
		"null user_id":       with("user_id", nil),
		"string user_id":     with("user_id", "42"),
		"fractional user_id": with("user_id", 4.2),
		"no exp":             without("exp"),
		"string exp":         with("exp", "tomorrow"),
		"nbf in the future":  with("nbf", s.start.Add(time.Minute).Unix()),
		"string ver":         with("ver", "1"),
		"fractional ver":     with("ver", 1.5),
		"negative ver":       with("ver", -1),
		"huge ver":           with("ver", json.Number("1e30")),
		"null ver":           with("ver", nil),
		"numeric jti":        with("jti", 7),
		"numeric sid":        with("sid", 7),
	} {
		t.Run(name, func(t *testing.T) { requireJWTError(t, h.tokens, token, domain.ErrJWTInvalid) })
	}
}

// jwtHarness is one implementation under test and what the suite knows of its keys.
type jwtHarness struct {
	tokens    AccessTokenIssuer
	clock     *TestClock
	method    jwt.SigningMethod
	signing   any    // the secret, or the private key
	verifying any    // the secret, or the public key
	kid       string // the kid of its tokens; empty for HS256
}

// header is a PyJWT-style header for alg, with the implementation's kid if it has one.
func (h *jwtHarness) header(alg string) string {
	if h.kid == "" {
		return `{"typ":"JWT","alg":` + strconv.Quote(alg) + `}`
	}
	return `{"typ":"JWT","alg":` + strconv.Quote(alg) + `,"kid":` + strconv.Quote(h.kid) + `}`
}

// signWith signs claims with key under the implementation's algorithm and kid.
func (h *jwtHarness) signWith(t *testing.T, key any, claims jwt.MapClaims) string {
	return jwtSignedWithKID(t, h.method, key, h.kid, claims)
}

// signRaw signs header and payload, taken as raw text, with the implementation's key and
// algorithm, whatever the header says: the way to build tokens no JWT library would.
func (h *jwtHarness) signRaw(t *testing.T, header, payload string) string {
	t.Helper()
	input := jwtB64(header) + "." + jwtB64(payload)
	sig, err := h.method.Sign(input, h.signing)
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// jwtKeys returns n distinct signing keys for alg. RSA keys are slow to make, so they are
// made at once, in parallel, and shared by the subtests.
func jwtKeys(t *testing.T, alg string, n int) []any {
	t.Helper()
	keys := make([]any, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			switch alg {
			case AlgHS256:
				secret := make([]byte, 32)
				_, errs[i] = rand.Read(secret)
				keys[i] = secret
			case AlgEdDSA:
				_, keys[i], errs[i] = ed25519.GenerateKey(rand.Reader)
			case AlgRS256:
				keys[i], errs[i] = rsa.GenerateKey(rand.Reader, 2048)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err)
		require.NotNil(t, keys[i], "no keys for algorithm %q", alg)
	}
	return keys
}

// jwtPublic is what verifies tokens signed with key: the secret itself, or the public key.
func jwtPublic(key any) any {
	if signer, ok := key.(crypto.Signer); ok {
		return signer.Public()
	}
	return key
}

// jwtRSAKey returns an RSA key for tokens of a foreign algorithm; 2048 bits so that no
// verifier could refuse it for its size alone.
var jwtRSAKey = func() func(t *testing.T) *rsa.PrivateKey {
	var (
		once sync.Once
		key  *rsa.PrivateKey
		err  error
	)
	return func(t *testing.T) *rsa.PrivateKey {
		once.Do(func() { key, err = rsa.GenerateKey(rand.Reader, 2048) })
		require.NoError(t, err)
		return key
	}
}()

// jwksKey returns the public key a JWKS document publishes under kid, decoded as a verifier
// elsewhere would, or fails t.
func jwksKey(t *testing.T, jwks []byte, kid string) crypto.PublicKey {
	t.Helper()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(jwks, &set), "JWKS: %s", jwks)
	for _, k := range set.Keys {
		if k["kid"] != kid {
			continue
		}
		decode := func(member string) []byte {
			b, err := base64.RawURLEncoding.DecodeString(k[member])
			require.NoError(t, err, "%s is unpadded base64url", member)
			return b
		}
		switch k["kty"] {
		case "OKP":
			require.Equal(t, "Ed25519", k["crv"])
			require.Equal(t, "EdDSA", k["alg"])
			return ed25519.PublicKey(decode("x"))
		case "RSA":
			require.Equal(t, "RS256", k["alg"])
			return &rsa.PublicKey{N: new(big.Int).SetBytes(decode("n")), E: int(new(big.Int).SetBytes(decode("e")).Int64())}
		default:
			require.Failf(t, "unexpected key type", "kty %q", k["kty"])
		}
	}
	require.Failf(t, "kid not published", "no key with kid %q in %s", kid, jwks)
	return nil
}

// requireJWTError asserts that Verify refuses token with want and with neither other verdict.
func requireJWTError(t *testing.T, tokens ports.AccessTokens, token string, want *domain.Error) {
	t.Helper()
	claims, err := tokens.Verify(token)
	require.ErrorIs(t, err, want, "token %q", token)
	assert.Zero(t, claims)
	for _, other := range []*domain.Error{domain.ErrJWTExpired, domain.ErrJWTDecode, domain.ErrJWTInvalid} {
		if other != want {
			assert.NotErrorIs(t, err, other)
		}
	}
}

func jwtUser(id int64, email string) *domain.User {
	return jwtVersionedUser(id, email, 0)
}

// jwtVersionedUser is a user whose password changed version times.
func jwtVersionedUser(id int64, email string, version int) *domain.User {
	return domain.UnmarshalUserFromDatabase(domain.UserRecord{
		ID: id, Username: "13800000000", Mobile: "13800000000", PasswordHash: "unused",
		Gender: domain.GenderFemale, Email: email, Active: true,
		DateJoined: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), TokenVersion: version,
	})
}

// jwtSegment decodes part i (0 header, 1 payload) of token as a JSON object.
func jwtSegment(t *testing.T, token string, i int) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "a JWS compact serialisation has three parts")
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err, "segments are unpadded base64url")
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &fields))
	return fields
}

// jwtSeconds reads an integer number of seconds, as PyJWT requires of exp.
func jwtSeconds(t *testing.T, fields map[string]json.RawMessage, key string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, json.Unmarshal(fields[key], &n), "%s is a JSON integer, got %s", key, fields[key])
	return n
}

// jwtSignedWithKID signs claims with method and key, naming kid in the header when set.
func jwtSignedWithKID(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	if kid != "" {
		token.Header["kid"] = kid
	}
	signed, err := token.SignedString(key)
	require.NoError(t, err)
	return signed
}

// jwtHS256Raw signs header and payload, taken as raw text, with HMAC-SHA256 under secret.
func jwtHS256Raw(secret []byte, header, payload string) string {
	input := jwtB64(header) + "." + jwtB64(payload)
	sig, _ := jwt.SigningMethodHS256.Sign(input, secret) // fails only for a non-[]byte key
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func jwtB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func jwtRandomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}
