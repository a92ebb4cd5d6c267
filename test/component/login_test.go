package component

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.3 and §2.4, for the three login routes.
var loginRoutes = []string{"/login/", "/jwt-auth/", "/api-token-auth/"}

func TestLoginFieldValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	rows := []struct {
		name string
		body map[string]any
		want string
	}{
		{"both missing", map[string]any{}, `{"username": ["This field is required."], "password": ["This field is required."]}`},
		{"username blank", map[string]any{"username": "", "password": "x"}, `{"username": ["This field may not be blank."]}`},
		{"password blank", map[string]any{"username": "someone", "password": " "}, `{"password": ["This field may not be blank."]}`},
		{"password null", map[string]any{"username": "someone", "password": nil}, `{"password": ["This field may not be null."]}`},
	}
	for _, route := range loginRoutes {
		for _, row := range rows {
			t.Run(route+row.name, func(t *testing.T) {
				expect(t, h.post(route, row.body), http.StatusBadRequest, row.want)
			})
		}
		t.Run(route+"zh-hans", func(t *testing.T) {
			expect(t, h.post(route, map[string]any{"password": "x"}, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"username": ["该字段是必填项。"]}`)
		})
	}
}

func TestLoginWrongCredentials(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.register(mobile, "correct horse")
	rows := map[string]map[string]any{
		"wrong password": {"username": mobile, "password": "wrong horse"},
		"unknown user":   {"username": "13999999999", "password": "correct horse"},
	}
	for _, route := range loginRoutes {
		for name, body := range rows {
			t.Run(route+name, func(t *testing.T) {
				expect(t, h.post(route, body), http.StatusBadRequest, `{"non_field_errors": ["Unable to log in with provided credentials."]}`)
				expect(t, h.post(route, body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"non_field_errors": ["无法使用提供的认证信息登录。"]}`)
			})
		}
	}
	h.secrets = append(h.secrets, "wrong horse")
}

func TestLoginWithUsernameOrMobile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.register(mobile, "correct horse")
	for _, route := range []string{"/login/", "/jwt-auth/"} {
		r := h.post(route, map[string]any{"username": mobile, "password": "correct horse"})
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		token := r.json(t)["token"].(string)
		h.secrets = append(h.secrets, token)
		require.Regexp(t, `^[\w-]+\.[\w-]+\.[\w-]+$`, token)
		require.Equal(t, http.StatusOK, h.request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).status)
	}
	// Form bodies, as the old client's axios may send.
	body, headers := formBody(map[string]string{"username": mobile, "password": "correct horse"})
	r := h.post("/login/", body, headers...)
	require.Equal(t, http.StatusOK, r.status)
	h.secrets = append(h.secrets, r.json(t)["token"].(string))
}

func TestAPITokenAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.register(mobile, "correct horse")
	r := h.post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"})
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	key := r.json(t)["token"].(string)
	h.secrets = append(h.secrets, key)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), key)

	me := h.request(http.MethodGet, "/users/7/", nil, "Authorization", "Token "+key)
	require.Equal(t, http.StatusOK, me.status, "body: %s", me.body)
	require.Equal(t, mobile, me.json(t)["mobile"])

	// Tokens live API_TOKEN_TTL (30 days by default).
	h.clock.Advance(30 * 24 * time.Hour)
	expired := h.request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key)
	expect(t, expired, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
	require.Equal(t, "Token", expired.header.Get("WWW-Authenticate"))
}
