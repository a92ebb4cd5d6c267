package jwttoken_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/domain"
)

// fixedClock is enough here; the contract suite drives expiry with a settable clock.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var issuedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func user(id int64, email string) *domain.User {
	return domain.UnmarshalUserFromDatabase(domain.UserRecord{ID: id, Username: "13800000000", Mobile: "13800000000", Email: email})
}

// segment decodes part i (0 header, 1 payload) of token as a JSON object.
func segment(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	return fields
}

func TestIssueHeaderAndPayload(t *testing.T) {
	tokens := jwttoken.NewHS256([]byte("secret"), 7*24*time.Hour, fixedClock{issuedAt})
	token, err := tokens.Issue(user(7, ""), "")
	require.NoError(t, err)

	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT"}, segment(t, token, 0), "no kid: there is one secret")
	payload := segment(t, token, 1)
	jti, _ := payload["jti"].(string)
	assert.Regexp(t, `^[A-Za-z0-9_-]{22}$`, jti, "128 random bits, base64url")
	delete(payload, "jti")
	assert.Equal(t, map[string]any{
		"user_id": 7.0, "username": "13800000000", "exp": 1715169600.0, "email": nil,
		"iat": 1714564800.0, "ver": 0.0,
	}, payload, "djangorestframework-jwt's claims, iat and ver; no sid without a session")

	token, err = tokens.Issue(domain.UnmarshalUserFromDatabase(domain.UserRecord{
		ID: 8, Username: "13800000001", Email: "a@example.com", TokenVersion: 3,
	}), "family-1")
	require.NoError(t, err)
	payload = segment(t, token, 1)
	assert.Equal(t, "a@example.com", payload["email"])
	assert.Equal(t, 3.0, payload["ver"])
	assert.Equal(t, "family-1", payload["sid"])
	assert.NotEqual(t, jti, payload["jti"])
}

// A token made the way the original service made it (PyJWT 1.x for djangorestframework-jwt
// 1.11: header {"typ","alg"}, no iat, jti or ver) keeps working after the switch.
func TestVerifyAcceptsTheOriginalServicesTokens(t *testing.T) {
	const original = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." +
		"eyJ1c2VyX2lkIjo3LCJ1c2VybmFtZSI6IjEzODAwMDAwMDAwIiwiZXhwIjoxNzE0NTY0ODAwLCJlbWFpbCI6bnVsbH0." +
		"MzrbkIUGYIEMDokmie5mjzuILMKqSp2bM8KLTydWrNM"
	secret := []byte("django-insecure-mxshop-secret")

	claims, err := jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt.Add(-time.Second)}).Verify(original)
	require.NoError(t, err)
	signedPart := sha256.Sum256([]byte(original[:strings.LastIndex(original, ".")]))
	assert.Equal(t, domain.AccessClaims{UserID: 7, ID: "sha256:" + base64.RawURLEncoding.EncodeToString(signedPart[:]), ExpiresAt: issuedAt}, claims,
		"version 0, named by a digest of its signed part, no session")

	_, err = jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt}).Verify(original)
	require.ErrorIs(t, err, domain.ErrJWTExpired, "exp 1714564800 is 2024-05-01T12:00:00Z")
}

func TestNewHS256CopiesTheSecret(t *testing.T) {
	secret := []byte("secret")
	tokens := jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt})
	token, err := tokens.Issue(user(7, ""), "")
	require.NoError(t, err)
	secret[0] = 'X'
	_, err = tokens.Verify(token)
	assert.NoError(t, err)
}

func TestHS256PublishesNoKey(t *testing.T) {
	jwks := jwttoken.NewHS256([]byte("secret"), time.Hour, fixedClock{issuedAt}).JWKS()
	assert.JSONEq(t, `{"keys":[]}`, string(jwks))
}

func TestConcurrentUse(t *testing.T) {
	tokens := jwttoken.NewHS256([]byte("secret"), time.Hour, fixedClock{issuedAt})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			token, err := tokens.Issue(user(int64(i), ""), "")
			assert.NoError(t, err)
			claims, err := tokens.Verify(token)
			assert.NoError(t, err)
			assert.Equal(t, int64(i), claims.UserID)
		})
	}
	wg.Wait()
}
