package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// CONTRACT.md §3.1: every row of the Authorization header table.
func TestJWTHeaderRows(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	now := h.Clock.Now()

	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return s
	}
	valid := jwt.MapClaims{"user_id": 1, "username": mobile, "exp": now.Add(time.Hour).Unix(), "email": nil}
	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"user_id":2,"username":"x","exp":9999999999,"email":null}`)) + "." + parts[2]
	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid)
	hs512 := sign(jwt.SigningMethodHS512, []byte(harness.Secret), valid)
	unknownUser := sign(jwt.SigningMethodHS256, []byte(harness.Secret), jwt.MapClaims{"user_id": 999, "username": "gone", "exp": now.Add(time.Hour).Unix(), "email": nil})
	wrongSecret := sign(jwt.SigningMethodHS256, []byte("another secret"), valid)

	rows := []struct {
		name   string
		header string
		en, zh string
	}{
		{"JWT without token", "JWT", "Invalid Authorization header. No credentials provided.", "无效的 Authorization 头。未提供认证信息。"},
		{"JWT with spaces", "JWT a b", "Invalid Authorization header. Credentials string should not contain spaces.", "无效的 Authorization 头。认证字符串不应包含空格。"},
		{"malformed", "JWT not-a-token", "Error decoding signature.", "签名解码错误。"},
		{"tampered payload", "JWT " + tampered, "Error decoding signature.", "签名解码错误。"},
		{"wrong secret", "JWT " + wrongSecret, "Error decoding signature.", "签名解码错误。"},
		{"alg none", "JWT " + none, "Incorrect authentication credentials.", "不正确的身份认证信息。"},
		{"alg HS512", "JWT " + hs512, "Incorrect authentication credentials.", "不正确的身份认证信息。"},
		{"user gone", "JWT " + unknownUser, "Invalid signature.", "签名无效。"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := h.Request(http.MethodGet, "/users/1/", nil, "Authorization", row.header)
			harness.Expect(t, r, http.StatusUnauthorized, `{"detail": `+harness.Quote(row.en)+`}`)
			require.Equal(t, `JWT realm="api"`, r.Header.Get("WWW-Authenticate"))
			harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", row.header, "Accept-Language", "zh-hans"), http.StatusUnauthorized, `{"detail": `+harness.Quote(row.zh)+`}`)
		})
	}
	t.Run("unknown scheme is anonymous", func(t *testing.T) {
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Basic dXNlcjpwYXNz"), http.StatusUnauthorized,
			`{"detail": "Authentication credentials were not provided."}`)
	})
	t.Run("Bearer and any case are accepted", func(t *testing.T) {
		for _, prefix := range []string{"Bearer ", "jwt ", "BEARER ", "JWT  "} {
			require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", prefix+token).Status, prefix)
		}
	})
	t.Run("expired", func(t *testing.T) {
		h.Clock.Advance(7 * 24 * time.Hour)
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token), http.StatusUnauthorized, `{"detail": "Signature has expired."}`)
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token, "Accept-Language", "zh-hans"), http.StatusUnauthorized, `{"detail": "签名已过期。"}`)
	})
}

func TestJWTPayloadIsCompatible(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"JWT_TTL": "2h"})
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(harness.Secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(h.Clock.Now))
	require.NoError(t, err)
	require.True(t, parsed.Valid)
	require.EqualValues(t, 1, claims["user_id"])
	require.Equal(t, mobile, claims["username"])
	require.Contains(t, claims, "email")
	require.Nil(t, claims["email"])
	require.EqualValues(t, h.Clock.Now().Add(2*time.Hour).Unix(), claims["exp"])
}

// CONTRACT.md §3.2.
func TestTokenHeaderRows(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	rows := []struct {
		name, header, en string
	}{
		{"unknown key", "Token " + strings.Repeat("ab", 20), "Invalid token."},
		{"no key", "Token", "Invalid token header. No credentials provided."},
		{"spaces", "Token a b", "Invalid token header. Token string should not contain spaces."},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := h.Request(http.MethodGet, "/users/1/", nil, "Authorization", row.header)
			harness.Expect(t, r, http.StatusUnauthorized, `{"detail": `+harness.Quote(row.en)+`}`)
			require.Equal(t, "Token", r.Header.Get("WWW-Authenticate"))
		})
	}
	harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+strings.Repeat("ab", 20), "Accept-Language", "zh-hans"),
		http.StatusUnauthorized, `{"detail": "认证令牌无效。"}`)
}
