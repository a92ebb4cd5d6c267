package contract

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// AccessTokens checks an implementation of ports.AccessTokens against CONTRACT §3.1:
// djangorestframework-jwt's HS256 tokens, and PyJWT's verdict on every bad token
// (expired, decode error, invalid).
//
// newTokens returns tokens signed with secret whose time is clock's. The suite holds the
// secret because the contract makes it observable: any app that shares it (Django apps with
// the same SECRET_KEY) must accept the tokens, and a token signed with it under another
// algorithm, or missing a claim, must still be refused.
func AccessTokens(t *testing.T, newTokens func(t *testing.T, secret []byte, clock ports.Clock) ports.AccessTokens) {
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) (ports.AccessTokens, []byte, *TestClock) {
		secret := jwtRandomBytes(t, 32)
		clock := NewTestClock(start)
		return newTokens(t, secret, clock), secret, clock
	}
	// valid returns claims a correct token would carry at now.
	valid := func(now time.Time) jwt.MapClaims {
		return jwt.MapClaims{"user_id": 42, "username": "13800000000", "exp": now.Add(time.Hour).Unix(), "email": nil, "iat": now.Unix()}
	}

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		// 2^53+1 is the first integer a float64 cannot hold: ids must not pass through one.
		for _, id := range []int64{1, 42, 1<<53 + 1} {
			token, err := tokens.Issue(jwtUser(id, ""))
			require.NoError(t, err)
			got, err := tokens.Verify(token)
			require.NoError(t, err)
			assert.Equal(t, id, got)
		}
	})

	t.Run("HeaderAndPayloadAreDjangoRESTFrameworkJWTs", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		token, err := tokens.Issue(jwtUser(42, ""))
		require.NoError(t, err)

		header := jwtSegment(t, token, 0)
		assert.JSONEq(t, `"HS256"`, string(header["alg"]))
		assert.JSONEq(t, `"JWT"`, string(header["typ"]))

		payload := jwtSegment(t, token, 1)
		assert.Equal(t, "42", string(payload["user_id"]), "user_id is a JSON integer")
		assert.JSONEq(t, `"13800000000"`, string(payload["username"]))
		assert.Equal(t, "null", string(payload["email"]), "an unset email is null, as Django serialises it")
		assert.Equal(t, strconv.FormatInt(start.Unix(), 10), string(payload["iat"]), "iat is the clock's time in whole seconds")
		assert.Greater(t, jwtSeconds(t, payload, "exp"), start.Unix(), "exp is after iat")

		token, err = tokens.Issue(jwtUser(43, "user@example.com"))
		require.NoError(t, err)
		assert.JSONEq(t, `"user@example.com"`, string(jwtSegment(t, token, 1)["email"]))
	})

	t.Run("AnyHolderOfTheSecretAcceptsTheToken", func(t *testing.T) {
		t.Parallel()
		tokens, secret, clock := setup(t)
		token, err := tokens.Issue(jwtUser(42, ""))
		require.NoError(t, err)
		parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return secret, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(clock.Now))
		require.NoError(t, err)
		assert.True(t, parsed.Valid)
	})

	t.Run("ExpiresAtExpWithoutLeeway", func(t *testing.T) {
		t.Parallel()
		tokens, _, clock := setup(t)
		token, err := tokens.Issue(jwtUser(42, ""))
		require.NoError(t, err)
		exp := time.Unix(jwtSeconds(t, jwtSegment(t, token, 1), "exp"), 0)

		clock.Set(exp.Add(-time.Second))
		id, err := tokens.Verify(token)
		require.NoError(t, err, "valid one second before exp")
		assert.Equal(t, int64(42), id)

		clock.Set(exp)
		requireJWTError(t, tokens, token, domain.ErrJWTExpired)
		clock.Advance(24 * time.Hour)
		requireJWTError(t, tokens, token, domain.ErrJWTExpired)
	})

	t.Run("SignatureIsCheckedBeforeExpiry", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		claims := valid(start)
		claims["exp"] = start.Add(-time.Hour).Unix()
		requireJWTError(t, tokens, jwtSigned(t, jwt.SigningMethodHS256, jwtRandomBytes(t, 32), claims), domain.ErrJWTDecode)
	})

	t.Run("TamperedPayloadIsADecodeError", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		token, err := tokens.Issue(jwtUser(42, ""))
		require.NoError(t, err)
		parts := strings.Split(token, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		forged := strings.Replace(string(payload), `"user_id":42`, `"user_id":1`, 1)
		require.NotEqual(t, string(payload), forged)
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
		requireJWTError(t, tokens, strings.Join(parts, "."), domain.ErrJWTDecode)
	})

	t.Run("TamperedSignatureIsADecodeError", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		token, err := tokens.Issue(jwtUser(42, ""))
		require.NoError(t, err)
		dot := strings.LastIndex(token, ".")
		// Change a character in the middle: the last one may only carry padding bits.
		at := dot + 5
		c := byte('A')
		if token[at] == 'A' {
			c = 'B'
		}
		requireJWTError(t, tokens, token[:at]+string(c)+token[at+1:], domain.ErrJWTDecode)
		requireJWTError(t, tokens, token[:dot+1], domain.ErrJWTDecode)
	})

	t.Run("WrongSecretIsADecodeError", func(t *testing.T) {
		t.Parallel()
		tokens, _, _ := setup(t)
		requireJWTError(t, tokens, jwtSigned(t, jwt.SigningMethodHS256, jwtRandomBytes(t, 32), valid(start)), domain.ErrJWTDecode)

		other, _, _ := setup(t)
		token, err := other.Issue(jwtUser(42, ""))
		require.NoError(t, err)
		requireJWTError(t, tokens, token, domain.ErrJWTDecode)
	})

	t.Run("GarbageIsADecodeError", func(t *testing.T) {
		t.Parallel()
		tokens, secret, _ := setup(t)
		claims, err := json.Marshal(valid(start))
		require.NoError(t, err)
		for name, token := range map[string]string{
			"empty":                 "",
			"word":                  "garbage",
			"two segments":          "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0",
			"four segments":         "a.b.c.d",
			"not base64":            "a!.b!.c!",
			"header not JSON":       jwtHS256Raw(secret, "not json", string(claims)),
			"payload not JSON":      jwtHS256Raw(secret, `{"alg":"HS256","typ":"JWT"}`, "not json"),
			"payload not an object": jwtHS256Raw(secret, `{"alg":"HS256","typ":"JWT"}`, `[1,2]`),
		} {
			t.Run(name, func(t *testing.T) { requireJWTError(t, tokens, token, domain.ErrJWTDecode) })
		}
	})

	t.Run("OtherAlgorithmsAreInvalid", func(t *testing.T) {
		t.Parallel()
		tokens, secret, _ := setup(t)
		claims, err := json.Marshal(valid(start))
		require.NoError(t, err)
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		for name, token := range map[string]string{
			"none":                 jwtB64(`{"alg":"none","typ":"JWT"}`) + "." + jwtB64(string(claims)) + ".",
			"none with signature":  jwtHS256Raw(secret, `{"alg":"none","typ":"JWT"}`, string(claims)),
			"none, expired claims": jwtB64(`{"alg":"none"}`) + "." + jwtB64(`{"user_id":42,"exp":1}`) + ".",
			"no alg":               jwtHS256Raw(secret, `{"typ":"JWT"}`, string(claims)),
			"lowercase hs256":      jwtHS256Raw(secret, `{"alg":"hs256","typ":"JWT"}`, string(claims)),
			"unknown alg":          jwtHS256Raw(secret, `{"alg":"HS999","typ":"JWT"}`, string(claims)),
			"HS384, right secret":  jwtSigned(t, jwt.SigningMethodHS384, secret, valid(start)),
			"HS512, right secret":  jwtSigned(t, jwt.SigningMethodHS512, secret, valid(start)),
			"HS512, other secret":  jwtSigned(t, jwt.SigningMethodHS512, jwtRandomBytes(t, 32), valid(start)),
			"RS256":                jwtSigned(t, jwt.SigningMethodRS256, rsaKey, valid(start)),
		} {
			t.Run(name, func(t *testing.T) { requireJWTError(t, tokens, token, domain.ErrJWTInvalid) })
		}
	})

	t.Run("BadClaimsAreInvalid", func(t *testing.T) {
		t.Parallel()
		tokens, secret, _ := setup(t)
		with := func(key string, value any) string {
			claims := valid(start)
			claims[key] = value
			return jwtSigned(t, jwt.SigningMethodHS256, secret, claims)
		}
		without := func(key string) string {
			claims := valid(start)
			delete(claims, key)
			return jwtSigned(t, jwt.SigningMethodHS256, secret, claims)
		}
		for name, token := range map[string]string{
			"no user_id":         without("user_id"),
			"null user_id":       with("user_id", nil),
			"string user_id":     with("user_id", "42"),
			"fractional user_id": with("user_id", 4.2),
			"no exp":             without("exp"),
			"string exp":         with("exp", "tomorrow"),
			"nbf in the future":  with("nbf", start.Add(time.Minute).Unix()),
		} {
			t.Run(name, func(t *testing.T) { requireJWTError(t, tokens, token, domain.ErrJWTInvalid) })
		}
	})
}

// requireJWTError asserts that Verify refuses token with want and with neither other verdict.
func requireJWTError(t *testing.T, tokens ports.AccessTokens, token string, want *domain.Error) {
	t.Helper()
	id, err := tokens.Verify(token)
	require.ErrorIs(t, err, want, "token %q", token)
	assert.Zero(t, id)
	for _, other := range []*domain.Error{domain.ErrJWTExpired, domain.ErrJWTDecode, domain.ErrJWTInvalid} {
		if other != want {
			assert.NotErrorIs(t, err, other)
		}
	}
}

func jwtUser(id int64, email string) *domain.User {
	return domain.UnmarshalUserFromDatabase(domain.UserRecord{
		ID: id, Username: "13800000000", Mobile: "13800000000", PasswordHash: "unused",
		Gender: domain.GenderFemale, Email: email, Active: true,
		DateJoined: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
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

func jwtSigned(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return token
}

// jwtHS256Raw signs header and payload, taken as raw text, with HMAC-SHA256 under secret,
// whatever the header says: the way to build tokens no JWT library would.
func jwtHS256Raw(secret []byte, header, payload string) string {
	input := jwtB64(header) + "." + jwtB64(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func jwtB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func jwtRandomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}
