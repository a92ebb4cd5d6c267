// Package component drives the whole application, built by fx exactly as the executable
// builds it, through Fiber's app.Test: one test per row of CONTRACT.md §1–3.
package component

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
	"github.com/phoneauth/phoneauth/test/testdb"
)

const testSecret = "component-test-secret-of-enough-length-0123456789"

// harness is one running application with a fake SMS provider, a settable clock and a
// log it can search for leaked secrets.
type harness struct {
	t     *testing.T
	app   *fiber.App
	sms   *sms.Fake
	clock *contract.TestClock
	log   *syncBuffer
	// secrets collects every code, password and token the test saw, to check the log.
	secrets []string
}

// newHarness starts the app on a fresh SQLite file with a fake SMS provider;
// env overrides the configuration.
func newHarness(t *testing.T, env map[string]string) *harness {
	t.Helper()
	return startHarness(t, env, sms.NewFake(), newTestClock())
}

func newTestClock() *contract.TestClock {
	return contract.NewTestClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
}

// startHarness starts the app with env over the test defaults. A nil fake keeps the SMS
// provider the configuration names; replicas of one deployment share fake and clock.
func startHarness(t *testing.T, env map[string]string, fake *sms.Fake, clock *contract.TestClock) *harness {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL": testdb.SQLiteURL(t),
		"JWT_SECRET":   testSecret,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := bootstrap.LoadConfig(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	require.NoError(t, err)

	h := &harness{t: t, sms: fake, clock: clock, log: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(h.log, nil))
	opts := []fx.Option{
		bootstrap.Options(cfg, logger),
		fx.Replace(fx.Annotate(clock, fx.As(new(ports.Clock)))),
		fx.Populate(&h.app),
		fx.NopLogger,
	}
	if fake != nil {
		opts = append(opts, fx.Replace(fx.Annotate(fake, fx.As(new(ports.SMSSender)))))
	}
	app := fxtest.New(t, opts...)
	app.RequireStart()
	t.Cleanup(func() {
		app.RequireStop()
		h.assertLogHasNoSecrets()
		if t.Failed() {
			t.Logf("service log:\n%s", h.log.String())
		}
	})
	return h
}

func (h *harness) assertLogHasNoSecrets() {
	logged := h.log.String()
	for _, s := range h.secrets {
		if strings.Contains(logged, s) {
			h.t.Errorf("the log contains a code, password or token (%d characters)", len(s))
		}
	}
}

// response is an answer of the app.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body as a JSON object.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// request sends a request; body is JSON-encoded unless it is a string (sent as is).
func (h *harness) request(method, path string, body any, headers ...string) response {
	h.t.Helper()
	r, err := h.send(method, path, body, headers...)
	require.NoError(h.t, err)
	return r
}

// send is request without assertions, for use from several goroutines.
func (h *harness) send(method, path string, body any, headers ...string) (response, error) {
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		reader = bytes.NewReader(raw)
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	req := httptest.NewRequest(method, path, reader)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.app.Test(req, -1)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: res.StatusCode, header: res.Header, body: raw}, nil
}

func (h *harness) post(path string, body any, headers ...string) response {
	h.t.Helper()
	return h.request(http.MethodPost, path, body, headers...)
}

// expect asserts a status and an exact JSON body.
func expect(t *testing.T, r response, status int, want string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.JSONEq(t, want, string(r.body))
}

var codePattern = regexp.MustCompile(`\b\d{6}\b`)

// requestCode asks for a code for mobile and returns the code the fake provider received.
func (h *harness) requestCode(mobile string) string {
	h.t.Helper()
	before := len(h.sms.Outbox())
	r := h.post("/code/", map[string]any{"mobile": mobile})
	require.Equal(h.t, http.StatusCreated, r.status, "body: %s", r.body)
	outbox := h.sms.Outbox()
	require.Len(h.t, outbox, before+1)
	msg := outbox[len(outbox)-1]
	require.Equal(h.t, mobile, msg.Mobile)
	code := codePattern.FindString(msg.Text)
	require.NotEmpty(h.t, code, "no code in the message")
	h.secrets = append(h.secrets, code)
	return code
}

// register creates a user whose username is mobile and returns its JWT.
func (h *harness) register(mobile, password string) string {
	h.t.Helper()
	code := h.requestCode(mobile)
	h.secrets = append(h.secrets, password)
	r := h.post("/users/", map[string]any{"username": mobile, "code": code, "password": password})
	require.Equal(h.t, http.StatusCreated, r.status, "body: %s", r.body)
	token := r.json(h.t)["token"].(string)
	h.secrets = append(h.secrets, token)
	return token
}

// login returns a JWT for the credentials.
func (h *harness) login(username, password string) string {
	h.t.Helper()
	r := h.post("/login/", map[string]any{"username": username, "password": password})
	require.Equal(h.t, http.StatusOK, r.status, "body: %s", r.body)
	token := r.json(h.t)["token"].(string)
	h.secrets = append(h.secrets, token)
	return token
}

var mobileCounter struct {
	sync.Mutex
	n int
}

// newMobile returns a valid mobile number not used before in this test binary.
func newMobile() string {
	mobileCounter.Lock()
	defer mobileCounter.Unlock()
	mobileCounter.n++
	return fmt.Sprintf("138%08d", mobileCounter.n)
}

// formBody encodes fields as application/x-www-form-urlencoded.
func formBody(fields map[string]string) (string, []string) {
	v := url.Values{}
	for k, s := range fields {
		v.Set(k, s)
	}
	return v.Encode(), []string{"Content-Type", "application/x-www-form-urlencoded"}
}

// multipartBody encodes fields as multipart/form-data.
func multipartBody(t *testing.T, fields map[string]string) (string, []string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, s := range fields {
		require.NoError(t, w.WriteField(k, s))
	}
	require.NoError(t, w.Close())
	return buf.String(), []string{"Content-Type", w.FormDataContentType()}
}

// quote renders s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// syncBuffer is a log sink that several goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
