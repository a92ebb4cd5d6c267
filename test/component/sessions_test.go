package component_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// Issue 5: refresh tokens, logout and password change.

type session struct{ access, refresh string }

func loginSession(t *testing.T, h *harness.Harness, username, password string) session {
	t.Helper()
	r := h.Post("/login/", map[string]any{"username": username, "password": password})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	body := r.JSON(t)
	s := session{access: body["token"].(string), refresh: body["refresh"].(string)}
	h.AddSecrets(s.access, s.refresh)
	return s
}

func refresh(t *testing.T, h *harness.Harness, token string) harness.Response {
	t.Helper()
	return h.Post("/token/refresh/", map[string]any{"refresh": token})
}

func me(h *harness.Harness, access string) int {
	return h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+access).Status
}

const invalidRefresh = `{"detail": "Token is invalid or expired"}`

func TestLoginAndRegistrationReturnARefreshToken(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "correct horse"})
	require.Equal(t, http.StatusCreated, r.Status)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), r.JSON(t)["refresh"])
	h.AddSecrets(r.JSON(t)["refresh"].(string), r.JSON(t)["token"].(string), "correct horse")
	s := loginSession(t, h, mobile, "correct horse")
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), s.refresh)
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	first := loginSession(t, h, mobile, "correct horse")

	r := refresh(t, h, first.refresh)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	second := session{access: r.JSON(t)["token"].(string), refresh: r.JSON(t)["refresh"].(string)}
	h.AddSecrets(second.access, second.refresh)
	require.NotEqual(t, first.refresh, second.refresh)
	require.Equal(t, http.StatusOK, me(h, second.access))
	require.Equal(t, http.StatusOK, me(h, first.access), "access tokens of the session live on")

	// The retired token presented again: reuse. The whole session ends.
	r = refresh(t, h, first.refresh)
	harness.Expect(t, r, http.StatusUnauthorized, invalidRefresh)
	harness.Expect(t, refresh(t, h, second.refresh), http.StatusUnauthorized, invalidRefresh)
	harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+second.access), http.StatusUnauthorized,
		`{"detail": "Session has ended, log in again."}`)
}

func TestRefreshValidation(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Post("/token/refresh/", map[string]any{}), http.StatusBadRequest, `{"refresh": ["This field is required."]}`)
	harness.Expect(t, refresh(t, h, "0000000000000000000000000000000000000000"), http.StatusUnauthorized, invalidRefresh)
	harness.Expect(t, h.Post("/token/refresh/", map[string]any{"refresh": "x"}, "Accept-Language", "zh-hans"), http.StatusUnauthorized,
		`{"detail": "令牌无效或已过期"}`)
}

func TestRefreshLifetimes(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"REFRESH_TTL": "24h", "REFRESH_MAX_TTL": "72h"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")

	idle := loginSession(t, h, mobile, "correct horse")
	h.Clock.Advance(24 * time.Hour)
	harness.Expect(t, refresh(t, h, idle.refresh), http.StatusUnauthorized, invalidRefresh)

	// Refreshing within the idle lifetime keeps a session only up to its absolute lifetime.
	token := loginSession(t, h, mobile, "correct horse").refresh
	loggedIn := h.Clock.Now()
	for h.Clock.Now().Sub(loggedIn) < 72*time.Hour-23*time.Hour {
		h.Clock.Advance(23 * time.Hour)
		r := refresh(t, h, token)
		require.Equal(t, http.StatusOK, r.Status, "refused before REFRESH_MAX_TTL: %s", r.Body)
		token = r.JSON(t)["refresh"].(string)
		h.AddSecrets(token)
	}
	h.Clock.Advance(23 * time.Hour)
	harness.Expect(t, refresh(t, h, token), http.StatusUnauthorized, invalidRefresh)
}

func TestLogout(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	one := loginSession(t, h, mobile, "correct horse")
	two := loginSession(t, h, mobile, "correct horse")

	r := h.Post("/logout/", nil, "Authorization", "JWT "+one.access)
	require.Equal(t, http.StatusNoContent, r.Status, "body: %s", r.Body)
	require.Equal(t, http.StatusUnauthorized, me(h, one.access))
	harness.Expect(t, refresh(t, h, one.refresh), http.StatusUnauthorized, invalidRefresh)
	require.Equal(t, http.StatusOK, me(h, two.access), "other sessions go on")

	harness.Expect(t, h.Post("/logout/", nil), http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
}

func TestLogoutWithAnAPIToken(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	keys := make([]string, 2)
	for i := range keys {
		r := h.Post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"})
		keys[i] = r.JSON(t)["token"].(string)
		h.AddSecrets(keys[i])
	}
	require.Equal(t, http.StatusNoContent, h.Post("/logout/", nil, "Authorization", "Token "+keys[0]).Status)
	harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+keys[0]), http.StatusUnauthorized, `{"detail": "Invalid token."}`)
	require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+keys[1]).Status)
}

func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	one := loginSession(t, h, mobile, "correct horse")
	two := loginSession(t, h, mobile, "correct horse")
	key := h.Post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"}).JSON(t)["token"].(string)
	h.AddSecrets(key)
	django := djangoToken(t, h, 1, mobile)

	require.Equal(t, http.StatusNoContent, h.Post("/logout/", map[string]any{"all": true}, "Authorization", "JWT "+one.access).Status)
	for _, access := range []string{one.access, two.access, django} {
		require.Equal(t, http.StatusUnauthorized, me(h, access))
	}
	harness.Expect(t, refresh(t, h, two.refresh), http.StatusUnauthorized, invalidRefresh)
	require.Equal(t, http.StatusUnauthorized, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key).Status)
	require.Equal(t, http.StatusOK, me(h, loginSession(t, h, mobile, "correct horse").access), "logging in again works")
}

// djangoToken signs what the original Django service issued: no jti, ver or sid.
func djangoToken(t *testing.T, h *harness.Harness, userID int, username string) string {
	t.Helper()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"user_id": userID, "username": username, "email": nil, "exp": h.Clock.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(harness.Secret))
	require.NoError(t, err)
	h.AddSecrets(token)
	return token
}

func TestTokensOfTheOriginalServiceStillWork(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	require.Equal(t, http.StatusOK, me(h, djangoToken(t, h, 1, mobile)))
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.AddSecrets("battery staple", "wrong horse")
	caller := loginSession(t, h, mobile, "correct horse")
	other := loginSession(t, h, mobile, "correct horse")
	key := h.Post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"}).JSON(t)["token"].(string)
	h.AddSecrets(key)
	auth := []string{"Authorization", "JWT " + caller.access}

	harness.Expect(t, h.Post("/users/password/", map[string]any{}, auth...), http.StatusBadRequest,
		`{"old_password": ["This field is required."], "new_password": ["This field is required."]}`)
	harness.Expect(t, h.Post("/users/password/", map[string]any{"old_password": "wrong horse", "new_password": "battery staple"}, auth...),
		http.StatusBadRequest, `{"old_password": ["Wrong password."]}`)
	harness.Expect(t, h.Post("/users/password/", map[string]any{"old_password": "correct horse", "new_password": "short"}, auth...),
		http.StatusBadRequest, `{"new_password": ["Ensure this field has at least 8 characters."]}`)

	r := h.Post("/users/password/", map[string]any{"old_password": "correct horse", "new_password": "battery staple"}, auth...)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	fresh := session{access: r.JSON(t)["token"].(string), refresh: r.JSON(t)["refresh"].(string)}
	h.AddSecrets(fresh.access, fresh.refresh)

	// Every token issued before is dead; the new session works.
	for _, access := range []string{caller.access, other.access} {
		require.Equal(t, http.StatusUnauthorized, me(h, access))
	}
	harness.Expect(t, refresh(t, h, other.refresh), http.StatusUnauthorized, invalidRefresh)
	require.Equal(t, http.StatusUnauthorized, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key).Status)
	require.Equal(t, http.StatusOK, me(h, fresh.access))
	require.Equal(t, http.StatusOK, refresh(t, h, fresh.refresh).Status)

	harness.Expect(t, h.Post("/login/", map[string]any{"username": mobile, "password": "correct horse"}), http.StatusBadRequest,
		`{"non_field_errors": ["Unable to log in with provided credentials."]}`)
	loginSession(t, h, mobile, "battery staple")
}

func TestJWKSIsEmptyWithHS256(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Request(http.MethodGet, "/.well-known/jwks.json", nil), http.StatusOK, `{"keys": []}`)
}
