package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc, _ := loadDocument(t)
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.True(t, doc.IsOpenAPI31OrLater())
}

func TestServedDocumentIsTheEmbeddedFile(t *testing.T) {
	_, router := loadDocument(t)
	s := newSuite(t, router, nil)
	r := s.do(exchange{method: http.MethodGet, path: "/openapi.json", status: http.StatusOK})
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	file, err := os.ReadFile(documentPath)
	require.NoError(t, err)
	require.Equal(t, string(file), string(r.Body))
}

// Every route the Fiber app registers is in the document, every method that a path
// serves (answers with anything but 405) is a documented operation, and every documented
// path is served.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc, router := loadDocument(t)
	s := newSuite(t, router, nil)
	served := map[string]bool{}
	for _, route := range s.App.GetRoutes(true) {
		path := openAPIPath(route.Path)
		item := doc.Paths.Value(path)
		require.NotNil(t, item, "%s %s is served but not in %s", route.Method, route.Path, documentPath)
		served[path] = true
		if route.Method == fiber.MethodConnect {
			continue // CONNECT names an authority, not a path: no request of it reaches a route
		}
		res, err := s.App.Test(httptest.NewRequest(route.Method, concretePath(path), nil), -1)
		require.NoError(t, err)
		res.Body.Close()
		if res.StatusCode == http.StatusMethodNotAllowed {
			continue
		}
		method := route.Method
		if method == fiber.MethodHead {
			method = fiber.MethodGet // HEAD is GET without the content (RFC 9110 §9.3.2)
		}
		require.NotNil(t, item.GetOperation(method), "%s %s answers %d but the document has no %s operation for it",
			route.Method, route.Path, res.StatusCode, method)
	}
	for path := range doc.Paths.Map() {
		require.True(t, served[path], "%s is documented but the app does not serve it", path)
	}
}

// Real requests of every operation, with the main error answers: the document accepts
// each request the service serves and rejects those it refuses for their shape, and
// describes every answer exactly.
func TestExchangesMatchTheDocument(t *testing.T) {
	doc, router := loadDocument(t)
	s := newSuite(t, router, nil)
	const password = "correct horse"
	post := func(path string, body any, status int, invalid bool, headers ...string) harness.Response {
		t.Helper()
		return s.do(exchange{method: http.MethodPost, path: path, body: body, status: status, invalid: invalid, headers: headers})
	}
	zh := []string{"Accept-Language", "zh-CN"}

	// POST /code/
	mobile := harness.NewMobile()
	code := s.requestCode(mobile)
	post("/code/", formBody{"mobile": harness.NewMobile()}, http.StatusCreated, false, "X-Request-ID", "client-chosen-id.1")
	post("/code/", multipartBody{"mobile": harness.NewMobile()}, http.StatusCreated, false, zh...)
	post("/code/", map[string]any{}, http.StatusBadRequest, true)
	post("/code/", nil, http.StatusBadRequest, true)
	post("/code/", map[string]any{"mobile": nil}, http.StatusBadRequest, true)
	post("/code/", map[string]any{"mobile": true}, http.StatusBadRequest, true)
	post("/code/", map[string]any{"mobile": "12345"}, http.StatusBadRequest, false, zh...)
	post("/code/", map[string]any{"mobile": mobile}, http.StatusBadRequest, false) // resend too soon
	post("/code/", rawBody{"application/json", `{"mobile": `}, http.StatusBadRequest, true)
	post("/code/", rawBody{"application/json", `["13800000000"]`}, http.StatusBadRequest, true)
	post("/code/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true)
	s.SMS.Refuse("参数 mobile 格式不正确")
	post("/code/", map[string]any{"mobile": harness.NewMobile()}, http.StatusBadRequest, false)
	s.SMS.BeUnavailable()
	post("/code/", map[string]any{"mobile": harness.NewMobile()}, http.StatusServiceUnavailable, false)
	s.SMS.Recover()

	// POST /users/
	r := post("/users/", map[string]any{"username": mobile, "code": code, "password": password}, http.StatusCreated, false,
		"Authorization", "JWT stale-token-of-a-previous-session")
	s.tokens(r)
	for _, encode := range []func(map[string]string) any{
		func(m map[string]string) any { return formBody(m) },
		func(m map[string]string) any { return multipartBody(m) },
	} {
		m := harness.NewMobile()
		c := s.requestCode(m)
		s.tokens(post("/users/", encode(map[string]string{"username": m, "code": c, "password": password}), http.StatusCreated, false))
	}
	post("/users/", map[string]any{}, http.StatusBadRequest, true, zh...)
	post("/users/", map[string]any{"username": mobile, "code": "12", "password": "short"}, http.StatusBadRequest, false)
	other := harness.NewMobile()
	s.requestCode(other)
	post("/users/", map[string]any{"username": other, "code": "000000", "password": password}, http.StatusBadRequest, false)
	post("/users/", rawBody{"application/json", `{"username": `}, http.StatusBadRequest, true)
	post("/users/", rawBody{"text/plain", "hello"}, http.StatusUnsupportedMediaType, true)

	// The login routes.
	var refresh, apiKey string
	for _, path := range []string{"/login/", "/jwt-auth/", "/api-token-auth/"} {
		r := post(path, map[string]any{"username": mobile, "password": password}, http.StatusOK, false)
		if path == "/api-token-auth/" {
			apiKey, _ = s.tokens(r)
		} else {
			_, refresh = s.tokens(r)
		}
		post(path, formBody{"username": mobile, "password": password}, http.StatusOK, false)
		post(path, multipartBody{"username": mobile, "password": password}, http.StatusOK, false)
		post(path, map[string]any{"username": mobile, "password": "wrong password"}, http.StatusBadRequest, false, zh...)
		post(path, map[string]any{"username": "", "password": nil}, http.StatusBadRequest, true)
		post(path, rawBody{"application/json", "{"}, http.StatusBadRequest, true)
		post(path, rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true)
	}

	// POST /token/refresh/
	_, next := s.tokens(post("/token/refresh/", map[string]any{"refresh": refresh}, http.StatusOK, false))
	post("/token/refresh/", formBody{"refresh": next}, http.StatusOK, false)
	post("/token/refresh/", map[string]any{"refresh": refresh}, http.StatusUnauthorized, false, zh...) // reused: the session ends
	post("/token/refresh/", map[string]any{"refresh": "0123456789abcdef0123456789abcdef01234567"}, http.StatusUnauthorized, false)
	post("/token/refresh/", map[string]any{}, http.StatusBadRequest, true)
	post("/token/refresh/", rawBody{"application/json", "[1]"}, http.StatusBadRequest, true)
	post("/token/refresh/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true)
	jwt, _ := s.tokens(post("/login/", map[string]any{"username": mobile, "password": password}, http.StatusOK, false))

	// GET, PATCH, PUT /users/{any}/
	auth := func(header string) []string { return []string{"Authorization", header} }
	profile := func(method string, body any, status int, invalid bool, headers ...string) harness.Response {
		t.Helper()
		return s.do(exchange{method: method, path: "/users/1/", body: body, status: status, invalid: invalid, headers: headers})
	}
	get := http.MethodGet
	profile(get, nil, http.StatusOK, false, auth("JWT "+jwt)...)
	profile(get, nil, http.StatusOK, false, auth("bearer "+jwt)...)
	profile(get, nil, http.StatusOK, false, auth("Token "+apiKey)...)
	profile(get, nil, http.StatusUnauthorized, true)
	profile(get, nil, http.StatusUnauthorized, true, auth("JWT")...)
	profile(get, nil, http.StatusUnauthorized, false, auth("JWT a b")...)
	profile(get, nil, http.StatusUnauthorized, false, auth("JWT not.a.token")...)
	profile(get, nil, http.StatusUnauthorized, false, append(auth("JWT "+jwt+"x"), zh...)...)
	r = profile(get, nil, http.StatusUnauthorized, false, auth("Token 0123456789abcdef0123456789abcdef01234567")...)
	require.Equal(t, "Token", r.Header.Get("WWW-Authenticate"))

	patch, put := http.MethodPatch, http.MethodPut
	withJWT := auth("JWT " + jwt)
	profile(patch, map[string]any{"name": "小明", "birthday": "1990-05-17"}, http.StatusOK, false, withJWT...)
	profile(put, formBody{"gender": "male", "email": "xiaoming@example.com"}, http.StatusOK, false, withJWT...)
	profile(patch, multipartBody{"name": "Xiao Ming", "gender": "female"}, http.StatusOK, false, withJWT...)
	r = profile(patch, map[string]any{"name": nil, "birthday": nil, "email": nil, "mobile": "13900000000"}, http.StatusOK, false, withJWT...)
	require.JSONEq(t, `{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`, string(r.Body))
	profile(put, formBody{"birthday": "", "email": ""}, http.StatusOK, false, auth("Token "+apiKey)...)
	profile(patch, map[string]any{}, http.StatusOK, false, withJWT...)
	profile(patch, nil, http.StatusOK, false, withJWT...)
	profile(patch, map[string]any{"gender": "x"}, http.StatusBadRequest, true, withJWT...)
	profile(patch, map[string]any{"birthday": "17/05/1990"}, http.StatusBadRequest, true, withJWT...)
	profile(put, map[string]any{"email": "not-an-address"}, http.StatusBadRequest, true, withJWT...)
	profile(patch, map[string]any{"name": strings.Repeat("名", 31)}, http.StatusBadRequest, true, withJWT...)
	profile(patch, map[string]any{"name": true, "gender": "x"}, http.StatusBadRequest, true, append(withJWT, zh...)...)
	profile(patch, rawBody{"application/json", "[]"}, http.StatusBadRequest, true, withJWT...)
	profile(patch, rawBody{"application/json", "{"}, http.StatusBadRequest, true, withJWT...)
	profile(patch, rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true, withJWT...)
	profile(put, map[string]any{"name": "x"}, http.StatusUnauthorized, true)
	profile(patch, map[string]any{"name": "x"}, http.StatusUnauthorized, false, auth("Bearer expired.or.forged")...)

	// POST /users/password/ and /logout/, on an account of their own: they end sessions.
	b := s.register(harness.NewMobile(), password)
	bAuth := auth("JWT " + b.token)
	post("/users/password/", map[string]any{"old_password": "wrong password", "new_password": "a new password"}, http.StatusBadRequest, false, bAuth...)
	post("/users/password/", map[string]any{"old_password": password, "new_password": "short"}, http.StatusBadRequest, false, bAuth...)
	post("/users/password/", map[string]any{}, http.StatusBadRequest, true, bAuth...)
	post("/users/password/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true, bAuth...)
	post("/users/password/", map[string]any{"old_password": password, "new_password": "a new password"}, http.StatusUnauthorized, true)
	changed, _ := s.tokens(post("/users/password/", formBody{"old_password": password, "new_password": "a new password"}, http.StatusOK, false, bAuth...))
	s.AddSecrets("a new password")
	profile(get, nil, http.StatusUnauthorized, false, bAuth...) // every earlier token ended

	post("/logout/", map[string]any{}, http.StatusUnauthorized, true)
	post("/logout/", rawBody{"application/json", "[true]"}, http.StatusBadRequest, true, auth("JWT "+changed)...)
	post("/logout/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true, auth("JWT "+changed)...)
	post("/logout/", nil, http.StatusNoContent, false, auth("JWT "+changed)...)
	post("/logout/", nil, http.StatusUnauthorized, false, auth("JWT "+changed)...) // its session ended
	key, _ := s.tokens(post("/api-token-auth/", map[string]any{"username": b.mobile, "password": "a new password"}, http.StatusOK, false))
	post("/logout/", formBody{"all": "false"}, http.StatusNoContent, false, auth("Token "+key)...)
	fresh, _ := s.tokens(post("/login/", map[string]any{"username": b.mobile, "password": "a new password"}, http.StatusOK, false))
	post("/logout/", map[string]any{"all": "maybe"}, http.StatusBadRequest, true, auth("Bearer "+fresh)...)
	post("/logout/", map[string]any{"all": nil}, http.StatusBadRequest, true, append(auth("Bearer "+fresh), zh...)...)
	post("/logout/", formBody{"all": "maybe"}, http.StatusBadRequest, true, auth("Bearer "+fresh)...)
	post("/logout/", map[string]any{"all": 1}, http.StatusNoContent, false, auth("Bearer "+fresh)...)

	// POST /code/ with a purpose, and the routes its codes serve, on an account of their own.
	c := s.register(harness.NewMobile(), password)
	cAuth := auth("JWT " + c.token)
	s.Clock.Advance(2 * time.Minute) // past the resend interval of its registration code
	loginCode := s.requestCodeFor(c.mobile, "login")
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "login"}, http.StatusCreated, false) // no account: the same answer, no code
	post("/code/", formBody{"mobile": harness.NewMobile(), "purpose": "reset_password"}, http.StatusCreated, false)
	post("/code/", multipartBody{"mobile": harness.NewMobile(), "purpose": ""}, http.StatusCreated, false) // none: register
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "x"}, http.StatusBadRequest, true, zh...)
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": true}, http.StatusBadRequest, true)
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": nil}, http.StatusBadRequest, true)
	post("/code/", map[string]any{"purpose": "x"}, http.StatusBadRequest, true)
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "change_mobile"}, http.StatusUnauthorized, false)
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "change_mobile"}, http.StatusUnauthorized, false, auth("JWT not.a.token")...)
	post("/code/", map[string]any{"mobile": c.mobile, "purpose": "change_mobile"}, http.StatusBadRequest, false, cAuth...) // its own number is in use
	s.SMS.Refuse("参数 mobile 格式不正确")
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "login"}, http.StatusCreated, false) // answered before the vendor
	s.WaitForSends()
	s.SMS.BeUnavailable()
	post("/code/", map[string]any{"mobile": harness.NewMobile(), "purpose": "reset_password"}, http.StatusCreated, false)
	s.WaitForSends()
	s.SMS.Recover()

	// POST /login/code/
	post("/login/code/", map[string]any{"mobile": c.mobile, "code": harness.WrongCode(loginCode)}, http.StatusBadRequest, false, zh...)
	post("/login/code/", map[string]any{"mobile": "12345", "code": "12"}, http.StatusBadRequest, false)
	post("/login/code/", map[string]any{}, http.StatusBadRequest, true)
	post("/login/code/", map[string]any{"mobile": nil, "code": true}, http.StatusBadRequest, true)
	post("/login/code/", rawBody{"application/json", "{"}, http.StatusBadRequest, true)
	post("/login/code/", rawBody{"application/json", "[]"}, http.StatusBadRequest, true)
	post("/login/code/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true)
	r = post("/login/code/", formBody{"mobile": c.mobile, "code": loginCode}, http.StatusOK, false)
	s.tokens(r)
	var device struct {
		DeviceToken string `json:"device_token"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &device))
	s.AddSecrets(device.DeviceToken)
	post("/login/code/", map[string]any{"mobile": c.mobile, "code": loginCode}, http.StatusBadRequest, false) // used
	s.Clock.Advance(2 * time.Minute)                                                                          // past the resend interval
	loginCode = s.requestCodeFor(c.mobile, "login")
	post("/login/code/", multipartBody{"mobile": c.mobile, "code": loginCode}, http.StatusOK, false, "X-Device-Token", device.DeviceToken)

	// POST /users/password/reset/
	s.Clock.Advance(2 * time.Minute)
	resetCode := s.requestCodeFor(c.mobile, "reset_password")
	post("/users/password/reset/", map[string]any{"mobile": c.mobile, "code": loginCode, "password": "a new password"}, http.StatusBadRequest, false) // another purpose's code
	post("/users/password/reset/", map[string]any{"mobile": c.mobile, "code": resetCode, "password": "short"}, http.StatusBadRequest, false, zh...)
	post("/users/password/reset/", map[string]any{"mobile": "12345", "code": "12", "password": ""}, http.StatusBadRequest, true)
	post("/users/password/reset/", map[string]any{}, http.StatusBadRequest, true)
	post("/users/password/reset/", rawBody{"application/json", "{"}, http.StatusBadRequest, true)
	post("/users/password/reset/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true)
	reset, _ := s.tokens(post("/users/password/reset/", formBody{"mobile": c.mobile, "code": resetCode, "password": "a new password"}, http.StatusOK, false))
	s.AddSecrets("a new password")
	profile(get, nil, http.StatusUnauthorized, false, cAuth...) // every earlier token ended
	cAuth = auth("JWT " + reset)

	// POST /users/mobile/
	newMobile := harness.NewMobile()
	changeCode := s.requestCodeFor(newMobile, "change_mobile", cAuth...)
	post("/users/mobile/", map[string]any{"mobile": newMobile, "code": changeCode}, http.StatusUnauthorized, true)
	post("/users/mobile/", map[string]any{"mobile": c.mobile, "code": changeCode}, http.StatusBadRequest, false, cAuth...)
	post("/users/mobile/", map[string]any{"mobile": mobile, "code": changeCode}, http.StatusBadRequest, false, append(cAuth, zh...)...)
	post("/users/mobile/", map[string]any{"mobile": newMobile, "code": harness.WrongCode(changeCode)}, http.StatusBadRequest, false, cAuth...)
	post("/users/mobile/", map[string]any{}, http.StatusBadRequest, true, cAuth...)
	post("/users/mobile/", rawBody{"application/json", "{"}, http.StatusBadRequest, true, cAuth...)
	post("/users/mobile/", rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true, cAuth...)
	r = post("/users/mobile/", map[string]any{"mobile": newMobile, "code": changeCode}, http.StatusOK, false, cAuth...)
	require.JSONEq(t, `{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+newMobile+`"}`, string(r.Body))

	// DELETE /users/{any}/: by password, and by a code to log in.
	del := http.MethodDelete
	profile(del, map[string]any{"password": "a new password"}, http.StatusUnauthorized, true)
	profile(del, map[string]any{"password": "wrong password"}, http.StatusBadRequest, false, cAuth...)
	profile(del, map[string]any{"code": "12"}, http.StatusBadRequest, false, append(cAuth, zh...)...)
	profile(del, map[string]any{"code": "000000"}, http.StatusBadRequest, false, cAuth...)
	profile(del, map[string]any{}, http.StatusBadRequest, true, cAuth...)
	profile(del, nil, http.StatusBadRequest, true, cAuth...)
	profile(del, map[string]any{"password": nil}, http.StatusBadRequest, true, cAuth...)
	profile(del, rawBody{"application/json", "{"}, http.StatusBadRequest, true, cAuth...)
	profile(del, rawBody{"text/xml", "<xml/>"}, http.StatusUnsupportedMediaType, true, cAuth...)
	profile(del, formBody{"password": "a new password"}, http.StatusNoContent, false, cAuth...)
	profile(get, nil, http.StatusUnauthorized, false, cAuth...) // the user is gone
	d := s.register(harness.NewMobile(), password)
	dAuth := auth("Bearer " + d.token)
	s.Clock.Advance(2 * time.Minute)
	deleteCode := s.requestCodeFor(d.mobile, "login")
	profile(del, multipartBody{"code": deleteCode}, http.StatusNoContent, false, dAuth...)

	// The operational routes, this document and the key set.
	for _, path := range []string{"/openapi.json", "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics"} {
		s.do(exchange{method: http.MethodGet, path: path, status: http.StatusOK})
	}
	// No provider of the test configuration reads receipts (each vendor's reader has its
	// own tests beside its adapter).
	s.do(exchange{method: http.MethodPost, path: "/sms/receipts/console/", body: rawBody{"application/json", `[]`}, status: http.StatusNotFound})

	// Every method a path does not serve, and OPTIONS, plain and as a CORS preflight.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			switch {
			case method == http.MethodOptions:
				s.do(exchange{method: method, path: concretePath(path), status: http.StatusOK})
				s.do(exchange{method: method, path: concretePath(path), status: http.StatusOK, headers: []string{
					"Origin", "https://shop.example.com", "Access-Control-Request-Method", "POST",
					"Access-Control-Request-Headers", "authorization, content-type",
				}})
			case op.Responses.Len() == 1 && op.Responses.Status(http.StatusMethodNotAllowed) != nil:
				r := s.do(exchange{method: method, path: concretePath(path), status: http.StatusMethodNotAllowed})
				require.NotEmpty(t, r.Header.Get("Allow"))
			}
		}
	}

	// Every operation was reached; the statuses no request here produced are listed.
	var unreached []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := operationKey(method, path)
			require.NotNil(t, s.covered[key], "no request reached %s", key)
			for _, status := range op.Responses.Keys() {
				if n, _ := strconv.Atoi(status); !s.covered[key][n] {
					unreached = append(unreached, key+" "+status)
				}
			}
		}
	}
	sort.Strings(unreached)
	t.Logf("documented answers no request produced here (the other tests produce 413, 429, 500 and 503): %s", strings.Join(unreached, ", "))
}

// fasthttp refuses an oversized body before routing; the answer still has the envelope.
func TestOversizedBodyMatchesTheDocument(t *testing.T) {
	_, router := loadDocument(t)
	s := newSuite(t, router, nil)
	s.listen()
	s.do(exchange{method: http.MethodPost, path: "/code/", status: http.StatusRequestEntityTooLarge,
		body: map[string]any{"mobile": strings.Repeat("1", 70<<10)}})
}

// The answers of the abuse limits: 429 with Retry-After.
func TestThrottledAnswersMatchTheDocument(t *testing.T) {
	_, router := loadDocument(t)
	s := newSuite(t, router, map[string]string{"SMS_DAILY_LIMIT": "1", "LOGIN_FAILURES_BEFORE_DELAY": "1", "SMS_DAILY_FAILURE_LIMIT": "1"})
	a := s.register(harness.NewMobile(), "correct horse")
	aAuth := []string{"Authorization", "JWT " + a.token}

	wrong := map[string]any{"username": a.mobile, "password": "wrong password"}
	s.do(exchange{method: http.MethodPost, path: "/login/", body: wrong, status: http.StatusBadRequest})
	for _, path := range []string{"/login/", "/jwt-auth/", "/api-token-auth/"} {
		r := s.do(exchange{method: http.MethodPost, path: path, body: wrong, status: http.StatusTooManyRequests})
		require.NotEmpty(t, r.Header.Get("Retry-After"))
	}
	s.do(exchange{method: http.MethodPost, path: "/users/password/", status: http.StatusTooManyRequests,
		body: map[string]any{"old_password": "wrong password", "new_password": "a new password"}, headers: aAuth})
	s.do(exchange{method: http.MethodDelete, path: "/users/1/", body: map[string]any{"password": "wrong password"}, status: http.StatusTooManyRequests, headers: aAuth})

	// The client IP has failed logins too; a number's verifications are one a day. A number
	// without an account is sent no code, but gets a stand-in that guesses are judged against.
	b := harness.NewMobile()
	s.do(exchange{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": b, "purpose": "login"}, status: http.StatusCreated})
	s.WaitForSends()
	s.do(exchange{method: http.MethodPost, path: "/login/code/", body: map[string]any{"mobile": b, "code": "123456"}, status: http.StatusTooManyRequests})
	wrongReset := map[string]any{"mobile": b, "code": "123456", "password": "a new password"}
	s.do(exchange{method: http.MethodPost, path: "/users/password/reset/", body: wrongReset, status: http.StatusBadRequest})
	s.do(exchange{method: http.MethodPost, path: "/users/password/reset/", body: wrongReset, status: http.StatusTooManyRequests})
	c := harness.NewMobile()
	cCode := s.requestCodeFor(c, "change_mobile", aAuth...)
	wrongChange := map[string]any{"mobile": c, "code": harness.WrongCode(cCode)}
	s.do(exchange{method: http.MethodPost, path: "/users/mobile/", body: wrongChange, status: http.StatusBadRequest, headers: aAuth})
	s.do(exchange{method: http.MethodPost, path: "/users/mobile/", body: wrongChange, status: http.StatusTooManyRequests, headers: aAuth})

	other := harness.NewMobile()
	s.requestCode(other)
	s.Clock.Advance(2 * time.Minute) // past the resend interval: only the daily limit stands
	s.do(exchange{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": other}, status: http.StatusTooManyRequests})
}

// Answers once the database has gone: the 5xx envelopes of the operations that need it.
func TestOutageAnswersMatchTheDocument(t *testing.T) {
	_, router := loadDocument(t)
	s := newSuite(t, router, nil)
	a := s.register(harness.NewMobile(), "correct horse")

	s.Stop() // closes the database; the Fiber app still answers
	s.do(exchange{method: http.MethodGet, path: "/readyz", status: http.StatusServiceUnavailable})
	for _, x := range []exchange{
		{method: http.MethodGet, path: "/users/1/", headers: []string{"Authorization", "JWT " + a.token}},
		{method: http.MethodPost, path: "/login/", body: map[string]any{"username": a.mobile, "password": a.password}},
		{method: http.MethodPost, path: "/token/refresh/", body: map[string]any{"refresh": a.refresh}},
		{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": harness.NewMobile()}},
		{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": harness.NewMobile(), "purpose": "login"}},
		{method: http.MethodPost, path: "/login/code/", body: map[string]any{"mobile": a.mobile, "code": "123456"}},
		{method: http.MethodPost, path: "/users/password/reset/", body: map[string]any{"mobile": a.mobile, "code": "123456", "password": "a new password"}},
		{method: http.MethodPost, path: "/users/mobile/", body: map[string]any{"mobile": harness.NewMobile(), "code": "123456"}, headers: []string{"Authorization", "JWT " + a.token}},
		{method: http.MethodDelete, path: "/users/1/", body: map[string]any{"password": a.password}, headers: []string{"Authorization", "JWT " + a.token}},
	} {
		r := s.do(x)
		require.Contains(t, []int{http.StatusInternalServerError, http.StatusServiceUnavailable}, r.Status, "%s %s: %s", x.method, x.path, r.Body)
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath writes a Fiber route path (/users/:any/) as an OpenAPI one (/users/{any}/).
func openAPIPath(fiberPath string) string { return fiberParam.ReplaceAllString(fiberPath, "{$1}") }

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// concretePath fills every parameter of an OpenAPI path, as the client does (/users/1/).
func concretePath(path string) string { return templateParam.ReplaceAllString(path, "1") }
