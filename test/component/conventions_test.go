package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §1.
func TestTrailingSlashIsOptional(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	for _, path := range []string{"/code", "/code/"} {
		harness.Expect(t, h.Post(path, map[string]any{}), http.StatusBadRequest, `{"mobile": ["This field is required."]}`)
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	r := h.Post("/code/", `{"mobile": `, "Content-Type", "application/json")
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Regexp(t, `^JSON parse error - .+`, r.JSON(t)["detail"])

	harness.Expect(t, h.Post("/code/", `["13800000000"]`, "Content-Type", "application/json"), http.StatusBadRequest,
		`{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`)
}

func TestNonStringField(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": true}), http.StatusBadRequest, `{"mobile": ["Not a valid string."]}`)
}

func TestUnsupportedMediaType(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Post("/login/", "<xml/>", "Content-Type", "text/xml"), http.StatusUnsupportedMediaType,
		`{"detail": "Unsupported media type \"text/xml\" in request."}`)
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	harness.Expect(t, h.Request(http.MethodGet, "/nowhere/", nil), http.StatusNotFound, `{"detail": "Not found."}`)
	harness.Expect(t, h.Request(http.MethodGet, "/nowhere/", nil, "Accept-Language", "zh-hans"), http.StatusNotFound, `{"detail": "未找到。"}`)
}

func TestWrongMethod(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	r := h.Request(http.MethodGet, "/code/", nil)
	harness.Expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"GET\" not allowed."}`)
	require.Equal(t, "POST, OPTIONS", r.Header.Get("Allow"))

	r = h.Request(http.MethodDelete, "/users/1/", nil)
	harness.Expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
	require.Equal(t, "GET, HEAD, PUT, PATCH, OPTIONS", r.Header.Get("Allow"))
}

func TestCORS(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	pre := h.Request(http.MethodOptions, "/login/", nil,
		"Origin", "http://shop.example.com",
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type, x-custom-header")
	require.Equal(t, http.StatusOK, pre.Status)
	require.Equal(t, "*", pre.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "DELETE, GET, OPTIONS, PATCH, POST, PUT", pre.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-custom-header", pre.Header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "86400", pre.Header.Get("Access-Control-Max-Age"))

	r := h.Post("/code/", map[string]any{}, "Origin", "http://shop.example.com")
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
}

func TestCORSAllowedOrigins(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://shop.example.com, https://admin.example.com"})
	r := h.Post("/code/", map[string]any{}, "Origin", "https://admin.example.com")
	require.Equal(t, "https://admin.example.com", r.Header.Get("Access-Control-Allow-Origin"))
	r = h.Post("/code/", map[string]any{}, "Origin", "https://evil.example.com")
	require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"LANGUAGE": "zh-hans"})
	harness.Expect(t, h.Post("/code/", map[string]any{}), http.StatusBadRequest, `{"mobile": ["该字段是必填项。"]}`)
	harness.Expect(t, h.Post("/code/", map[string]any{}, "Accept-Language", "en-US,en;q=0.9"), http.StatusBadRequest, `{"mobile": ["This field is required."]}`)
	harness.Expect(t, h.Post("/code/", map[string]any{}, "Accept-Language", "fr, zh-CN;q=0.8, en;q=0.5"), http.StatusBadRequest, `{"mobile": ["该字段是必填项。"]}`)
	r := h.Post("/code/", map[string]any{}, "Accept-Language", "fr")
	require.Contains(t, string(r.Body), "该字段是必填项。", "the body is UTF-8, not \\u-escaped")
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
}
