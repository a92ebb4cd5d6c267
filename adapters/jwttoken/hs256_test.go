package jwttoken_test

import (
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

func TestIssuePayloadIsExactlyTheCompatClaims(t *testing.T) {
	tokens := jwttoken.NewHS256([]byte("secret"), 7*24*time.Hour, fixedClock{issuedAt})
	token, err := tokens.Issue(user(7, ""))
	require.NoError(t, err)

	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"alg":"HS256","typ":"JWT"}`, string(header))
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	assert.JSONEq(t, `{"user_id":7,"username":"13800000000","exp":1715169600,"email":null,"iat":1714564800}`, string(payload))

	token, err = tokens.Issue(user(8, "a@example.com"))
	require.NoError(t, err)
	payload, err = base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	assert.Equal(t, "a@example.com", claims["email"])
}

// A token made the way the original service made it (PyJWT 1.x for djangorestframework-jwt
// 1.11: header {"typ","alg"}, no iat) keeps working after the switch.
func TestVerifyAcceptsTheOriginalServicesTokens(t *testing.T) {
	const original = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." +
		"eyJ1c2VyX2lkIjo3LCJ1c2VybmFtZSI6IjEzODAwMDAwMDAwIiwiZXhwIjoxNzE0NTY0ODAwLCJlbWFpbCI6bnVsbH0." +
		"MzrbkIUGYIEMDokmie5mjzuILMKqSp2bM8KLTydWrNM"
	secret := []byte("django-insecure-mxshop-secret")

	id, err := jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt.Add(-time.Second)}).Verify(original)
	require.NoError(t, err)
	assert.Equal(t, int64(7), id)

	_, err = jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt}).Verify(original)
	require.ErrorIs(t, err, domain.ErrJWTExpired, "exp 1714564800 is 2024-05-01T12:00:00Z")
}

func TestNewHS256CopiesTheSecret(t *testing.T) {
	secret := []byte("secret")
	tokens := jwttoken.NewHS256(secret, time.Hour, fixedClock{issuedAt})
	token, err := tokens.Issue(user(7, ""))
	require.NoError(t, err)
	secret[0] = 'X'
	_, err = tokens.Verify(token)
	assert.NoError(t, err)
}

func TestConcurrentUse(t *testing.T) {
	tokens := jwttoken.NewHS256([]byte("secret"), time.Hour, fixedClock{issuedAt})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			token, err := tokens.Issue(user(int64(i), ""))
			assert.NoError(t, err)
			id, err := tokens.Verify(token)
			assert.NoError(t, err)
			assert.Equal(t, int64(i), id)
		})
	}
	wg.Wait()
}
