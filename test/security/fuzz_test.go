package security_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/phoneauth/phoneauth/test/harness"
)

// fuzzPaths are every route, and one unknown path.
var fuzzPaths = []string{
	"/code/", "/users/", "/login/", "/jwt-auth/", "/login/code/", "/api-token-auth/", "/token/refresh/", "/logout/",
	"/users/password/", "/users/password/reset/", "/users/mobile/", "/users/1/", "/sms/receipts/console/", "/.well-known/jwks.json", "/openapi.json", "/healthz", "/readyz",
	"/metrics", "/nowhere/",
}

var fuzzMethods = []string{"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "PROPFIND", "TRACE"}

var fuzzContentTypes = []string{
	"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
	"text/plain", "", "application/json; charset=gbk", "multipart/form-data",
}

// FuzzRoutes drives every route's decoder and use case, through the whole application on
// SQLite, with random bodies and headers: no answer may be a 5xx, a panic (which the
// recover middleware turns into one) or a hang, and every answer with a body is JSON but
// those documented otherwise.
// `make test` runs it for a few seconds; `make fuzz FUZZTIME=10m` for longer.
func FuzzRoutes(f *testing.F) {
	h := harness.New(f, map[string]string{"REQUEST_TIMEOUT": "2s", "TRUSTED_PROXIES": "0.0.0.0/32"})
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	code := h.RequestCode(harness.NewMobile())

	for _, seed := range []struct {
		method, path, contentType, body string
	}{
		{"POST", "/code/", "application/json", `{"mobile": "` + harness.NewMobile() + `"}`},
		{"POST", "/users/", "application/json", `{"username": "` + mobile + `", "code": "` + code + `", "password": "long enough"}`},
		{"POST", "/login/", "application/x-www-form-urlencoded", "username=" + mobile + "&password=correct+horse"},
		{"POST", "/login/", "application/x-www-form-urlencoded", "username=%FF&password=whatever1"},
		{"POST", "/api-token-auth/", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n" + mobile + "\r\n--x--\r\n"},
		{"POST", "/token/refresh/", "application/json", `{"refresh": ["x"]}`},
		{"POST", "/logout/", "application/json", `{"all": "True"}`},
		{"POST", "/users/password/", "application/json", `{"old_password": "correct horse", "new_password": "\u0000"}`},
		{"PATCH", "/users/1/", "application/json", `{"name": "小明", "gender": "x", "birthday": "1990-02-30", "email": 1e999}`},
		{"PUT", "/users/1/", "application/json", `[{"name": null}]`},
		{"POST", "/code/", "application/json", `{"mobile": "` + strings.Repeat("1", 40) + `"}`},
		{"POST", "/users/", "application/json", `{"username": {"a": [1, 2]}, "code": true, "password": 12345678}`},
		{"POST", "/code/", "application/json", `{"mobile": "` + mobile + `", "purpose": "login"}`},
		{"POST", "/code/", "application/x-www-form-urlencoded", "mobile=" + harness.NewMobile() + "&purpose=change_mobile"},
		{"POST", "/login/code/", "application/json", `{"mobile": "` + mobile + `", "code": "123456"}`},
		{"POST", "/users/password/reset/", "application/json", `{"mobile": "` + mobile + `", "code": "123456", "password": "long enough"}`},
		{"POST", "/users/mobile/", "application/json", `{"mobile": "` + harness.NewMobile() + `", "code": [1]}`},
		{"DELETE", "/users/1/", "application/json", `{"password": "wrong horse", "code": null}`},
		{"PROPFIND", "/users/1/", "", ""},
		{"GET", "/users/1/", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.contentType, []byte(seed.body), "", "", "", true)
	}
	f.Add("POST", "/login/", "application/json", []byte(`{"username": "`+mobile+`", "password": "x"}`), "JWT a b", "x.y", "203.0.113.1, [2001:db8::1]:443", false)

	f.Fuzz(func(t *testing.T, method, path, contentType string, body []byte, authorization, deviceToken, forwardedFor string, withToken bool) {
		method = pick(fuzzMethods, method)
		path = pick(fuzzPaths, path)
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		set := func(name, value string) {
			// Line breaks would write other headers: that is the transport's business.
			if value = strings.NewReplacer("\r", "", "\n", "").Replace(value); value != "" {
				req.Header.Set(name, value)
			}
		}
		set("Content-Type", pick(fuzzContentTypes, contentType))
		set("Authorization", authorization)
		if withToken {
			set("Authorization", "JWT "+token)
		}
		set("X-Device-Token", deviceToken)
		set("X-Forwarded-For", forwardedFor)

		res, err := h.App.Test(req, 10_000)
		if err != nil {
			t.Fatalf("%s %s: no answer: %v", method, path, err)
		}
		defer res.Body.Close()
		answer, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the answer: %v", method, path, err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", method, path, body, res.StatusCode, answer)
		}
		// OPTIONS answers text (documented so) and /metrics Prometheus' format.
		documentedText := method == http.MethodOptions || method == http.MethodHead || path == "/metrics"
		if len(answer) > 0 && !documentedText && !json.Valid(answer) {
			t.Fatalf("%s %s: %d with a body that is not JSON: %q", method, path, res.StatusCode, answer)
		}
	})
}

// pick is s when it is one of choices, else one of them chosen by its bytes, so that every
// input names a valid one.
func pick(choices []string, s string) string {
	if slices.Contains(choices, s) {
		return s
	}
	var n uint
	for _, b := range []byte(s) {
		n = n*31 + uint(b)
	}
	return choices[n%uint(len(choices))]
}
