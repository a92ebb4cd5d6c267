// Package openapi holds the OpenAPI document of adapters/httpapi to the code: it builds the
// app as the executable does (test/harness), drives real requests through app.Test and
// validates each request and answer against the document with kin-openapi, and fails on a
// route the document does not list.
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// documentPath is the file adapters/httpapi embeds and serves.
const documentPath = "../../adapters/httpapi/openapi.json"

// suite is one running application and the document its exchanges are checked against.
type suite struct {
	*harness.Harness
	t      *testing.T
	router routers.Router
	// send delivers a request: through app.Test, or over TCP once listen was called.
	send func(*http.Request) (*http.Response, error)
	// covered records the statuses seen per documented operation.
	covered map[string]map[int]bool
}

// newSuite starts the app; env overrides the configuration. The abuse limits are lifted
// unless env sets them, so that one test may send many codes from one address.
func newSuite(t *testing.T, router routers.Router, env map[string]string) *suite {
	t.Helper()
	vars := map[string]string{
		"SMS_DAILY_LIMIT":             "1000000",
		"SMS_IP_HOURLY_LIMIT":         "1000000",
		"SMS_GLOBAL_HOURLY_LIMIT":     "1000000",
		"LOGIN_FAILURES_BEFORE_DELAY": "100",
	}
	maps.Copy(vars, env)
	s := &suite{Harness: harness.New(t, vars), t: t, router: router, covered: map[string]map[int]bool{}}
	s.send = func(req *http.Request) (*http.Response, error) { return s.App.Test(req, -1) }
	return s
}

// listen serves the app on a loopback port and sends the following requests there, for
// answers that fasthttp gives before the app sees the request (an oversized body).
func (s *suite) listen() {
	s.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(s.t, err)
	go func() { _ = s.App.Listener(ln) }()
	s.t.Cleanup(func() { _ = s.App.Shutdown() })
	client := &http.Client{Timeout: 10 * time.Second}
	s.send = func(req *http.Request) (*http.Response, error) {
		req.RequestURI = "" // set by httptest.NewRequest, refused by a client
		req.URL.Scheme, req.URL.Host = "http", ln.Addr().String()
		return client.Do(req)
	}
}

// loadDocument reads and validates the document and builds a router over it.
func loadDocument(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	raw, err := os.ReadFile(documentPath)
	require.NoError(t, err)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(loader.Context))
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return doc, router
}

// exchange is one request and what the test expects of it.
type exchange struct {
	method, path string
	// body is sent as JSON, unless it is a formBody, a multipartBody or a rawBody.
	body    any
	headers []string
	// status is the status expected; 0 takes any that the document lists.
	status int
	// invalid says the document must reject the request: the service refuses it too.
	invalid bool
}

type (
	formBody      map[string]string
	multipartBody map[string]string
	rawBody       struct{ contentType, text string }
)

// do sends x, checks the request against the document (valid, or rejected when
// x.invalid), the status, and the answer against the document.
func (s *suite) do(x exchange) harness.Response {
	t := s.t
	t.Helper()
	payload, contentType := s.encode(x.body)
	newRequest := func() *http.Request {
		req := httptest.NewRequest(x.method, x.path, bytes.NewReader(payload))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(x.headers); i += 2 {
			req.Header.Set(x.headers[i], x.headers[i+1])
		}
		return req
	}
	name := x.method + " " + x.path

	route, params, err := s.router.FindRoute(newRequest())
	require.NoError(t, err, "%s: no documented operation", name)
	opts := &openapi3filter.Options{
		AuthenticationFunc:    authenticate,
		IncludeResponseStatus: true, // an answer with a status the document does not list fails
		MultiError:            true,
		// kin-openapi asserts only the date, date-time and byte formats by default.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail)),
		},
	}
	input := &openapi3filter.RequestValidationInput{Request: newRequest(), PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), input)
	if x.invalid {
		require.Error(t, reqErr, "%s: the document accepts a request the service refuses", name)
	} else {
		require.NoError(t, reqErr, "%s: the document rejects the request", name)
	}

	res, err := s.send(newRequest())
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if x.status != 0 {
		require.Equal(t, x.status, res.StatusCode, "%s: body %s", name, raw)
	}
	resInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input, Status: res.StatusCode, Header: res.Header, Options: opts,
	}
	resInput.SetBodyBytes(raw)
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), resInput), "%s: the answer does not match the document: %s", name, raw)

	key := operationKey(route.Method, route.Path)
	if s.covered[key] == nil {
		s.covered[key] = map[int]bool{}
	}
	s.covered[key][res.StatusCode] = true
	return harness.Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// encode returns the bytes and content type of a body.
func (s *suite) encode(body any) ([]byte, string) {
	switch b := body.(type) {
	case nil:
		return nil, ""
	case rawBody:
		return []byte(b.text), b.contentType
	case formBody:
		v := url.Values{}
		for k, f := range b {
			v.Set(k, f)
		}
		return []byte(v.Encode()), "application/x-www-form-urlencoded"
	case multipartBody:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, f := range b {
			require.NoError(s.t, w.WriteField(k, f))
		}
		require.NoError(s.t, w.Close())
		return buf.Bytes(), w.FormDataContentType()
	default:
		raw, err := json.Marshal(b)
		require.NoError(s.t, err)
		return raw, "application/json"
	}
}

// authenticate is the document's view of the security schemes: the Authorization header
// names the scheme (case-insensitively) and carries a credential. Whether the credential
// is good is the service's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme, credential, _ := strings.Cut(strings.TrimSpace(in.RequestValidationInput.Request.Header.Get("Authorization")), " ")
	if in.SecurityScheme.Type != "http" || !strings.EqualFold(scheme, in.SecurityScheme.Scheme) || strings.TrimSpace(credential) == "" {
		return in.NewError(nil)
	}
	return nil
}

func operationKey(method, path string) string { return method + " " + path }

// requestCode asks for a code for mobile and returns the code the fake provider received.
func (s *suite) requestCode(mobile string) string {
	s.t.Helper()
	s.do(exchange{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": mobile}, status: http.StatusCreated})
	outbox := s.SMS.Outbox()
	require.NotEmpty(s.t, outbox)
	msg := outbox[len(outbox)-1]
	require.Equal(s.t, mobile, msg.Mobile)
	code := harness.CodePattern.FindString(msg.Text)
	require.NotEmpty(s.t, code, "no code in the message")
	s.AddSecrets(code)
	return code
}

// requestCodeFor asks for a code for mobile with purpose, headers added, and returns the
// code the fake provider received once the send (which may finish after the answer) is done.
func (s *suite) requestCodeFor(mobile, purpose string, headers ...string) string {
	s.t.Helper()
	before := len(s.SMS.Outbox())
	s.do(exchange{method: http.MethodPost, path: "/code/", body: map[string]any{"mobile": mobile, "purpose": purpose},
		status: http.StatusCreated, headers: headers})
	s.WaitForSends()
	outbox := s.SMS.Outbox()
	require.Len(s.t, outbox, before+1)
	msg := outbox[len(outbox)-1]
	require.Equal(s.t, mobile, msg.Mobile)
	code := harness.CodePattern.FindString(msg.Text)
	require.NotEmpty(s.t, code, "no code in the message")
	s.AddSecrets(code)
	return code
}

// session holds what a registration answered.
type session struct {
	mobile, password, token, refresh string
}

// register creates a user whose username is mobile and returns its session.
func (s *suite) register(mobile, password string) session {
	s.t.Helper()
	code := s.requestCode(mobile)
	r := s.do(exchange{method: http.MethodPost, path: "/users/", status: http.StatusCreated,
		body: map[string]any{"username": mobile, "code": code, "password": password}})
	var got struct{ Token, Refresh string }
	require.NoError(s.t, json.Unmarshal(r.Body, &got))
	s.AddSecrets(password, got.Token, got.Refresh)
	return session{mobile: mobile, password: password, token: got.Token, refresh: got.Refresh}
}

// tokens decodes a {"token"} or {"token", "refresh"} answer.
func (s *suite) tokens(r harness.Response) (token, refresh string) {
	s.t.Helper()
	var got struct{ Token, Refresh string }
	require.NoError(s.t, json.Unmarshal(r.Body, &got))
	require.NotEmpty(s.t, got.Token)
	s.AddSecrets(got.Token)
	if got.Refresh != "" {
		s.AddSecrets(got.Refresh)
	}
	return got.Token, got.Refresh
}
