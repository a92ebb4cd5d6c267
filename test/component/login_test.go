package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

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
	h := harness.New(t, nil)
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
				harness.Expect(t, h.Post(route, row.body), http.StatusBadRequest, row.want)
			})
		}
		t.Run(route+"zh-hans", func(t *testing.T) {
			harness.Expect(t, h.Post(route, map[string]any{"password": "x"}, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"username": ["该字段是必填项。"]}`)
		})
	}
}

func TestLoginWrongCredentials(t *testing.T) {
	t.Parallel()
	// Twelve failures in a row: the login delays (test/security) would step in from the sixth.
	h := harness.New(t, map[string]string{"LOGIN_FAILURES_BEFORE_DELAY": "100"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	rows := map[string]map[string]any{
		"wrong password": {"username": mobile, "password": "wrong horse"},
		"unknown user":   {"username": "13999999999", "password": "correct horse"},
	}
	for _, route := range loginRoutes {
		for name, body := range rows {
			t.Run(route+name, func(t *testing.T) {
				harness.Expect(t, h.Post(route, body), http.StatusBadRequest, `{"non_field_errors": ["Unable to log in with provided credentials."]}`)
				harness.Expect(t, h.Post(route, body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"non_field_errors": ["无法使用提供的认证信息登录。"]}`)
			})
		}
	}
	h.AddSecrets("wrong horse")
}

func TestLoginWithUsernameOrMobile(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	for _, route := range []string{"/login/", "/jwt-auth/"} {
		r := h.Post(route, map[string]any{"username": mobile, "password": "correct horse"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		token := r.JSON(t)["token"].(string)
		h.AddSecrets(token)
		require.Regexp(t, `^[\w-]+\.[\w-]+\.[\w-]+$`, token)
		require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token).Status)
	}
	// Form bodies, as the old client's axios may send.
	body, headers := harness.FormBody(map[string]string{"username": mobile, "password": "correct horse"})
	r := h.Post("/login/", body, headers...)
	require.Equal(t, http.StatusOK, r.Status)
	h.AddSecrets(r.JSON(t)["token"].(string))
}

func TestAPITokenAuth(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	r := h.Post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	key := r.JSON(t)["token"].(string)
	h.AddSecrets(key)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), key)

	me := h.Request(http.MethodGet, "/users/7/", nil, "Authorization", "Token "+key)
	require.Equal(t, http.StatusOK, me.Status, "body: %s", me.Body)
	require.Equal(t, mobile, me.JSON(t)["mobile"])

	// Tokens live API_TOKEN_TTL (30 days by default).
	h.Clock.Advance(30 * 24 * time.Hour)
	expired := h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key)
	harness.Expect(t, expired, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
	require.Equal(t, "Token", expired.Header.Get("WWW-Authenticate"))
}
