package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"strings"
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

	r = h.Request(http.MethodDelete, "/users/", nil)
	harness.Expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
	require.Equal(t, "POST, OPTIONS", r.Header.Get("Allow"))
}

// A method Fiber does not know is answered like any method a route does not serve: in
// the envelope, with Allow on a known path, logged and counted. On an unknown path the
// path is what is wrong: 404, as Django resolves the URL before the method.
func TestUnknownMethod(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	r := h.Request("PROPFIND", "/users/1/", nil)
	harness.Expect(t, r, http.StatusMethodNotAllowed, `{"detail": "Method \"PROPFIND\" not allowed."}`)
	require.Equal(t, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS", r.Header.Get("Allow"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.NotEmpty(t, r.Header.Get("X-Request-ID"))

	r = h.Request("FOO", "/code", nil, "Accept-Language", "zh-hans")
	harness.Expect(t, r, http.StatusMethodNotAllowed, `{"detail": "方法 “FOO” 不被允许。"}`)
	require.Equal(t, "POST, OPTIONS", r.Header.Get("Allow"))
	harness.Expect(t, h.Request("post", "/code/", nil), http.StatusMethodNotAllowed, `{"detail": "Method \"post\" not allowed."}`)

	r = h.Request("PROPFIND", "/nowhere/", nil)
	harness.Expect(t, r, http.StatusNotFound, `{"detail": "Not found."}`)
	require.Empty(t, r.Header.Get("Allow"))

	require.Contains(t, h.Log(), "method=PROPFIND route=/users/:any/ status=405")
	require.Contains(t, h.Log(), "method=PROPFIND route=unmatched status=404")
	metrics := string(h.Request(http.MethodGet, "/metrics", nil).Body)
	require.Contains(t, metrics, `phoneauth_http_requests_total{method="OTHER",route="/users/:any/",status="405"} 1`)
	require.Contains(t, metrics, `phoneauth_http_requests_total{method="OTHER",route="/code/",status="405"} 2`)
	require.Contains(t, metrics, `phoneauth_http_requests_total{method="OTHER",route="unmatched",status="404"} 1`)
	require.NotContains(t, metrics, "PROPFIND", "a method sent is not a label")
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

// Every answer says what a cache must key it on: the CORS request headers (a preflight
// echoes them back) and the language.
func TestCORSVary(t *testing.T) {
	t.Parallel()
	want := []string{"Accept-Language", "Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}
	for _, origins := range []string{"*", "https://shop.example.com"} {
		h := harness.New(t, map[string]string{"CORS_ALLOWED_ORIGINS": origins})
		for name, r := range map[string]harness.Response{
			"preflight": h.Request(http.MethodOptions, "/login/", nil, "Origin", "https://shop.example.com",
				"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"),
			"options":       h.Request(http.MethodOptions, "/login/", nil),
			"answer":        h.Post("/code/", map[string]any{}, "Origin", "https://shop.example.com"),
			"no origin":     h.Request(http.MethodGet, "/healthz", nil),
			"unknown route": h.Request(http.MethodGet, "/nowhere/", nil, "Origin", "https://evil.example.com"),
			"wrong method":  h.Request(http.MethodGet, "/code/", nil),
		} {
			var vary []string
			for _, v := range strings.Split(r.Header.Get("Vary"), ",") {
				vary = append(vary, strings.TrimSpace(v))
			}
			require.ElementsMatch(t, want, vary, "%s with CORS_ALLOWED_ORIGINS=%s", name, origins)
		}
	}
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
