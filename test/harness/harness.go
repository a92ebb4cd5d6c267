// Package harness runs the whole application, built by fx exactly as the executable
// builds it, and drives it through Fiber's app.Test, for the component, security and
// OpenAPI suites.
package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/phoneauth/phoneauth/adapters/httpapi"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// Secret is the JWT_SECRET of every harness.
const Secret = "component-test-secret-of-enough-length-0123456789"

// Harness is one running application with a fake SMS provider, a settable clock and a
// log it can search for leaked secrets.
type Harness struct {
	t       testing.TB
	App     *fiber.App
	SMS     *sms.Fake
	Clock   *contract.TestClock
	app     *fxtest.App
	stopped bool
	log     *SyncBuffer
	sends   *application.SendCode
	// secrets collects every code, password and token the test saw, to check the log.
	secrets []string
}

// New starts the app on a fresh SQLite file with a fake SMS provider;
// env overrides the configuration.
func New(t testing.TB, env map[string]string) *Harness {
	t.Helper()
	return Start(t, env, sms.NewFake(), NewClock())
}

func NewClock() *contract.TestClock {
	return contract.NewTestClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
}

// Start starts the app with env over the test defaults. A nil fake keeps the SMS
// provider the configuration names; replicas of one deployment share fake and clock.
// Options, such as an fx.Replace of a port, apply last.
func Start(t testing.TB, env map[string]string, fake *sms.Fake, clock *contract.TestClock, options ...fx.Option) *Harness {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL": testdb.SQLiteURL(t),
		"JWT_SECRET":   Secret,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := bootstrap.LoadConfig(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	require.NoError(t, err)

	h := &Harness{t: t, SMS: fake, Clock: clock, log: &SyncBuffer{}}
	logger := slog.New(slog.NewTextHandler(h.log, nil))
	opts := []fx.Option{
		bootstrap.Options(cfg, logger),
		fx.Replace(fx.Annotate(clock, fx.As(new(ports.Clock)))),
		fx.Populate(&h.App, &h.sends),
		fx.NopLogger,
	}
	if fake != nil {
		opts = append(opts, fx.Replace(fx.Annotate(fake, fx.As(new(ports.SMSSender)))))
	}
	opts = append(opts, options...)
	h.app = fxtest.New(t, opts...)
	h.app.RequireStart()
	t.Cleanup(func() {
		h.Stop()
		h.assertLogHasNoSecrets()
		if t.Failed() {
			t.Logf("service log:\n%s", h.log.String())
		}
	})
	return h
}

// Stop stops the app, as a restart or a replica going away would; the test ends it anyway.
func (h *Harness) Stop() {
	if !h.stopped {
		h.stopped = true
		h.app.RequireStop()
	}
}

// WaitForSends returns once the code sends that finish after their answer (where the
// answer must not tell accounts apart) have finished.
func (h *Harness) WaitForSends() { h.sends.Wait() }

// Log returns what the service has logged so far.
func (h *Harness) Log() string { return h.log.String() }

// AddSecrets records codes, passwords or tokens the test saw; the log must not contain them.
func (h *Harness) AddSecrets(secrets ...string) {
	h.secrets = append(h.secrets, secrets...)
}

func (h *Harness) assertLogHasNoSecrets() {
	logged := h.log.String()
	for _, s := range h.secrets {
		if leaked(logged, s) {
			h.t.Errorf("the log contains a code, password or token (%d characters)", len(s))
		}
	}
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// leaked tells whether secret appears in log. A code is all digits and short, so it is
// looked for as a whole word: inside a hex request id it would be a coincidence.
func leaked(log, secret string) bool {
	if digits.MatchString(secret) {
		return regexp.MustCompile(`\b` + secret + `\b`).MatchString(log)
	}
	return strings.Contains(log, secret)
}

// Response is an answer of the app.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// JSON decodes the body as a JSON object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Request sends a request; body is JSON-encoded unless it is a string (sent as is).
func (h *Harness) Request(method, path string, body any, headers ...string) Response {
	h.t.Helper()
	r, err := h.Send(method, path, body, headers...)
	require.NoError(h.t, err)
	return r
}

// Send is Request without assertions, for use from several goroutines.
func (h *Harness) Send(method, path string, body any, headers ...string) (Response, error) {
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return Response{}, err
		}
		reader = bytes.NewReader(raw)
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	req := httptest.NewRequest(method, path, reader)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.Do(req)
}

// Do sends a request built by the caller, for what Send cannot say (a header line
// sent twice, say).
func (h *Harness) Do(req *http.Request) (Response, error) {
	res, err := h.App.Test(req, -1)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}, nil
}

// Serve serves the app on a loopback port, as the executable does, for what only a real
// connection shows (a client that leaves), and returns its address.
func (h *Harness) Serve() string {
	h.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(h.t, err)
	go func() { _ = h.App.Listener(httpapi.LingeringListener(ln)) }()
	h.t.Cleanup(func() { _ = h.App.Shutdown() })
	return ln.Addr().String()
}

// Metric reads one series from /metrics, as a scraper does: its name, and its labels as
// /metrics prints them (sorted by name), such as `reason="ip_hourly"`, or "" for none.
// A series not printed is 0: a counter appears when it is first counted.
func (h *Harness) Metric(name, labels string) float64 {
	h.t.Helper()
	r := h.Request(http.MethodGet, "/metrics", nil)
	require.Equal(h.t, http.StatusOK, r.Status, "/metrics is on the app's address unless METRICS_ADDR is set")
	series := name
	if labels != "" {
		series += "{" + labels + "}"
	}
	for _, line := range strings.Split(string(r.Body), "\n") {
		if value, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			require.NoError(h.t, err, "%s", line)
			return v
		}
	}
	return 0
}

func (h *Harness) Post(path string, body any, headers ...string) Response {
	h.t.Helper()
	return h.Request(http.MethodPost, path, body, headers...)
}

// Expect asserts a status and an exact JSON body.
func Expect(t *testing.T, r Response, status int, want string) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.JSONEq(t, want, string(r.Body))
}

var CodePattern = regexp.MustCompile(`\b\d{6}\b`)

// RequestCode asks for a code for mobile and returns the code the fake provider received.
func (h *Harness) RequestCode(mobile string) string {
	h.t.Helper()
	before := len(h.SMS.Outbox())
	r := h.Post("/code/", map[string]any{"mobile": mobile})
	require.Equal(h.t, http.StatusCreated, r.Status, "body: %s", r.Body)
	h.WaitForSends()
	outbox := h.SMS.Outbox()
	require.Len(h.t, outbox, before+1)
	msg := outbox[len(outbox)-1]
	require.Equal(h.t, mobile, msg.Mobile)
	code := CodePattern.FindString(msg.Text)
	require.NotEmpty(h.t, code, "no code in the message")
	h.secrets = append(h.secrets, code)
	return code
}

// Register creates a user whose username is mobile and returns its JWT.
func (h *Harness) Register(mobile, password string) string {
	h.t.Helper()
	code := h.RequestCode(mobile)
	h.secrets = append(h.secrets, password)
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": password})
	require.Equal(h.t, http.StatusCreated, r.Status, "body: %s", r.Body)
	token := r.JSON(h.t)["token"].(string)
	h.secrets = append(h.secrets, token)
	return token
}

// Login returns a JWT for the credentials.
func (h *Harness) Login(username, password string) string {
	h.t.Helper()
	r := h.Post("/login/", map[string]any{"username": username, "password": password})
	require.Equal(h.t, http.StatusOK, r.Status, "body: %s", r.Body)
	token := r.JSON(h.t)["token"].(string)
	h.secrets = append(h.secrets, token)
	return token
}

var mobileCounter struct {
	sync.Mutex
	n int
}

// WrongCode returns a code of the same length that differs from code.
func WrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// NewMobile returns a valid mobile number not used before in this test binary.
func NewMobile() string {
	mobileCounter.Lock()
	defer mobileCounter.Unlock()
	mobileCounter.n++
	return fmt.Sprintf("138%08d", mobileCounter.n)
}

// FormBody encodes fields as application/x-www-form-urlencoded.
func FormBody(fields map[string]string) (string, []string) {
	v := url.Values{}
	for k, s := range fields {
		v.Set(k, s)
	}
	return v.Encode(), []string{"Content-Type", "application/x-www-form-urlencoded"}
}

// MultipartBody encodes fields as multipart/form-data.
func MultipartBody(t *testing.T, fields map[string]string) (string, []string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, s := range fields {
		require.NoError(t, w.WriteField(k, s))
	}
	require.NoError(t, w.Close())
	return buf.String(), []string{"Content-Type", w.FormDataContentType()}
}

// Quote renders s as a JSON string.
func Quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// SyncBuffer is a log sink that several goroutines write.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
