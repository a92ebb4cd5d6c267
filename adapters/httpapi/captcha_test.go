package httpapi

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// newCaptchaApp serves /code/ and /login/ behind the CAPTCHA of routes, with the stubs.
func newCaptchaApp(routes []string, verify *stub[ports.VerifyHuman, ports.HumanCheck], sendCode *stub[ports.SendCode, string], log *bytes.Buffer) *fiber.App {
	app := ports.Application{
		Commands: ports.Commands{SendCode: sendCode},
		Queries: ports.Queries{
			Authenticate: &stub[string, *ports.Principal]{},
			VerifyHuman:  verify,
		},
	}
	return NewApp(Config{
		Language: langEN, AllowedOrigins: []string{"*"}, RequestTimeout: time.Second, CaptchaRoutes: routes,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")},
	}, Deps{App: app, Keys: noKeys{}, Readiness: alwaysReady{}, Observer: noRequests{}, Logger: slog.New(slog.NewTextHandler(log, nil))})
}

func sendWith(t *testing.T, app *fiber.App, path, contentType, body string, headers ...string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(res.Body)
	require.NoError(t, err)
	return answer{res.StatusCode, res.Header, buf.String()}
}

// The token reaches the query as a plain value, from the body first, else the header, with
// the client's address; the route's command runs only after the query passed.
func TestCaptchaTokenReachesTheQuery(t *testing.T) {
	rows := []struct {
		name, contentType, body string
		headers                 []string
		token                   string
	}{
		{"json", jsonType, `{"mobile": "13800000000", "captcha": " tok "}`, nil, "tok"},
		{"json number", jsonType, `{"mobile": "13800000000", "captcha": 12345}`, nil, "12345"},
		{"form", "application/x-www-form-urlencoded", "mobile=13800000000&captcha=tok", nil, "tok"},
		{"multipart", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"mobile\"\r\n\r\n13800000000\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"captcha\"\r\n\r\ntok\r\n--b--\r\n", nil, "tok"},
		{"header", jsonType, `{"mobile": "13800000000"}`, []string{headerCaptchaToken, " tok "}, "tok"},
		{"body over header", jsonType, `{"mobile": "13800000000", "captcha": "body"}`, []string{headerCaptchaToken, "header"}, "body"},
		{"header over a blank body", jsonType, `{"mobile": "13800000000", "captcha": ""}`, []string{headerCaptchaToken, "header"}, "header"},
		{"header over a null body", jsonType, `{"mobile": "13800000000", "captcha": null}`, []string{headerCaptchaToken, "header"}, "header"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			verify := &stub[ports.VerifyHuman, ports.HumanCheck]{}
			sendCode := &stub[ports.SendCode, string]{answer: "13800000000"}
			app := newCaptchaApp([]string{"/code/"}, verify, sendCode, &bytes.Buffer{})
			a := sendWith(t, app, "/code/", row.contentType, row.body, append([]string{"X-Forwarded-For", "203.0.113.7"}, row.headers...)...)
			require.Equal(t, http.StatusCreated, a.status, a.body)
			assert.Equal(t, ports.VerifyHuman{Token: row.token, RemoteIP: "203.0.113.7"}, verify.got)
			assert.True(t, sendCode.called)
		})
	}
}

// A refusal, a missing token or an outage answers for the request: the route's command
// never runs. Shape errors stand for the field, as on every route.
func TestCaptchaRefusalStopsTheRoute(t *testing.T) {
	rows := []struct {
		name, body string
		headers    []string
		err        error
		status     int
		want       string
	}{
		{"missing", `{"mobile": "13800000000"}`, nil, domain.FieldErrors{{Field: "captcha", Err: domain.ErrRequired}}, 400, `{"captcha":["This field is required."]}`},
		{"blank", `{"captcha": " "}`, nil, domain.FieldErrors{{Field: "captcha", Err: domain.ErrRequired}}, 400, `{"captcha":["This field may not be blank."]}`},
		{"an object", `{"captcha": {"a": 1}}`, nil, domain.FieldErrors{{Field: "captcha", Err: domain.ErrRequired}}, 400, `{"captcha":["Not a valid string."]}`},
		{"refused", `{"captcha": "bot"}`, nil, domain.FieldErrors{{Field: "captcha", Err: domain.ErrCaptchaRefused}}, 400, `{"captcha":["Invalid CAPTCHA, please try again."]}`},
		{"unavailable", `{"captcha": "t"}`, nil, fmt.Errorf("turnstile: %w", domain.ErrCaptchaUnavailable), 503, `{"detail":"CAPTCHA verification unavailable, try again later."}`},
		{"too long", `{"captcha": "` + strings.Repeat("t", maxCaptchaToken+1) + `"}`, nil, nil, 400, `{"captcha":["Ensure this field has no more than 8192 characters."]}`},
		{"header not UTF-8", `{}`, []string{headerCaptchaToken, "\xff\xfe"}, nil, 400, `{"captcha":["Not valid UTF-8 text."]}`},
		{"malformed body", `{"captcha": `, nil, nil, 400, `{"detail":"JSON parse error - unexpected EOF"}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			verify := &stub[ports.VerifyHuman, ports.HumanCheck]{err: row.err}
			sendCode := &stub[ports.SendCode, string]{answer: "13800000000"}
			app := newCaptchaApp([]string{"/code/"}, verify, sendCode, &bytes.Buffer{})
			a := sendWith(t, app, "/code/", jsonType, row.body, row.headers...)
			assert.Equal(t, row.status, a.status)
			assert.Equal(t, row.want, a.body)
			assert.False(t, sendCode.called, "the route's command must not run")
		})
	}
}

// A pass the provider could not confirm is logged as a warning, without the token.
func TestCaptchaUnverifiedPassIsLogged(t *testing.T) {
	var log bytes.Buffer
	verify := &stub[ports.VerifyHuman, ports.HumanCheck]{answer: ports.HumanCheck{
		Unverified: fmt.Errorf("turnstile: %w: dial tcp 127.0.0.1:9: connection refused", domain.ErrCaptchaUnavailable),
	}}
	sendCode := &stub[ports.SendCode, string]{answer: "13800000000"}
	app := newCaptchaApp([]string{"/code/"}, verify, sendCode, &log)
	a := sendWith(t, app, "/code/", jsonType, `{"mobile": "13800000000", "captcha": "the-token-itself"}`)
	require.Equal(t, http.StatusCreated, a.status, a.body)
	assert.True(t, sendCode.called)
	assert.Contains(t, log.String(), `level=WARN msg="CAPTCHA not verified`)
	assert.Contains(t, log.String(), "connection refused")
	assert.NotContains(t, log.String(), "the-token-itself")
}

// Only the configured routes ask, and only on POST; without routes nothing asks.
func TestCaptchaOnlyOnItsRoutes(t *testing.T) {
	verify := &stub[ports.VerifyHuman, ports.HumanCheck]{err: domain.FieldErrors{{Field: "captcha", Err: domain.ErrRequired}}}
	sendCode := &stub[ports.SendCode, string]{answer: "13800000000"}
	app := newCaptchaApp(nil, verify, sendCode, &bytes.Buffer{})
	require.Equal(t, http.StatusCreated, sendWith(t, app, "/code/", jsonType, `{"mobile": "13800000000"}`).status)
	assert.False(t, verify.called)

	app = newCaptchaApp([]string{"/code/"}, verify, sendCode, &bytes.Buffer{})
	assert.Equal(t, http.StatusBadRequest, sendWith(t, app, "/code", jsonType, `{}`).status, "the path without its slash too")
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/code/", nil), -1)
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "other methods answer as before")
	res, err = app.Test(httptest.NewRequest(http.MethodOptions, "/code/", nil), -1)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestCheckCaptchaRoutes(t *testing.T) {
	verify := &stub[ports.VerifyHuman, ports.HumanCheck]{}
	for _, routes := range [][]string{{"/code/"}, {"/code/", "/login/", "/users/", "/api-token-auth/"}} {
		app := newCaptchaApp(routes, verify, &stub[ports.SendCode, string]{}, &bytes.Buffer{})
		assert.NoError(t, CheckCaptchaRoutes(app, routes), routes)
	}
	for _, routes := range [][]string{{"/nowhere/"}, {"/code/", "/healthz/"}, {"/users/1/"}} {
		app := newCaptchaApp(routes, verify, &stub[ports.SendCode, string]{}, &bytes.Buffer{})
		assert.Error(t, CheckCaptchaRoutes(app, routes), routes)
	}
}
