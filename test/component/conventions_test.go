package component

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §1.
func TestTrailingSlashIsOptional(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, path := range []string{"/code", "/code/"} {
		expect(t, h.post(path, map[string]any{}), http.StatusBadRequest, `{"mobile": ["This field is required."]}`)
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.post("/code/", `{"mobile": `, "Content-Type", "application/json")
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Regexp(t, `^JSON parse error - .+`, r.json(t)["detail"])

	expect(t, h.post("/code/", `["13800000000"]`, "Content-Type", "application/json"), http.StatusBadRequest,
		`{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`)
}

func TestNonStringField(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	expect(t, h.post("/code/", map[string]any{"mobile": true}), http.StatusBadRequest, `{"mobile": ["Not a valid string."]}`)
}

func TestUnsupportedMediaType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	expect(t, h.post("/login/", "<xml/>", "Content-Type", "text/xml"), http.StatusUnsupportedMediaType,
		`{"detail": "Unsupported media type \"text/xml\" in request."}`)
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	expect(t, h.request(http.MethodGet, "/nowhere/", nil), http.StatusNotFound, `{"detail": "Not found."}`)
	expect(t, h.request(http.MethodGet, "/nowhere/", nil, "Accept-Language", "zh-hans"), http.StatusNotFound, `{"detail": "未找到。"}`)
}

func TestWrongMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.request(http.MethodGet, "/code/", nil)
	expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"GET\" not allowed."}`)
	require.Equal(t, "POST, OPTIONS", r.header.Get("Allow"))

	r = h.request(http.MethodDelete, "/users/1/", nil)
	expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
	require.Equal(t, "GET, HEAD, PUT, PATCH, OPTIONS", r.header.Get("Allow"))
}

func TestCORS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	pre := h.request(http.MethodOptions, "/login/", nil,
		"Origin", "http://shop.example.com",
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type, x-custom-header")
	require.Equal(t, http.StatusOK, pre.status)
	require.Equal(t, "*", pre.header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "DELETE, GET, OPTIONS, PATCH, POST, PUT", pre.header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-custom-header", pre.header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "86400", pre.header.Get("Access-Control-Max-Age"))

	r := h.post("/code/", map[string]any{}, "Origin", "http://shop.example.com")
	require.Equal(t, "*", r.header.Get("Access-Control-Allow-Origin"))
}

func TestCORSAllowedOrigins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://shop.example.com, https://admin.example.com"})
	r := h.post("/code/", map[string]any{}, "Origin", "https://admin.example.com")
	require.Equal(t, "https://admin.example.com", r.header.Get("Access-Control-Allow-Origin"))
	r = h.post("/code/", map[string]any{}, "Origin", "https://evil.example.com")
	require.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"LANGUAGE": "zh-hans"})
	expect(t, h.post("/code/", map[string]any{}), http.StatusBadRequest, `{"mobile": ["该字段是必填项。"]}`)
	expect(t, h.post("/code/", map[string]any{}, "Accept-Language", "en-US,en;q=0.9"), http.StatusBadRequest, `{"mobile": ["This field is required."]}`)
	expect(t, h.post("/code/", map[string]any{}, "Accept-Language", "fr, zh-CN;q=0.8, en;q=0.5"), http.StatusBadRequest, `{"mobile": ["该字段是必填项。"]}`)
	r := h.post("/code/", map[string]any{}, "Accept-Language", "fr")
	require.Contains(t, string(r.body), "该字段是必填项。", "the body is UTF-8, not \\u-escaped")
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
}
