package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// These tests drive the HTTP adapter alone: the use cases are stubs, there is no database.

// stub is a use case that answers what the test says and remembers the command it got.
type stub[C, R any] struct {
	got    C
	called bool
	answer R
	err    error
}

func (s *stub[C, R]) Handle(_ context.Context, c C) (R, error) {
	s.got, s.called = c, true
	return s.answer, s.err
}

type noKeys struct{}

func (noKeys) JWKS() []byte { return []byte(`{"keys":[]}`) }

type alwaysReady struct{}

func (alwaysReady) Ready(context.Context) error { return nil }

type noRequests struct{}

func (noRequests) Request(string, string, int, time.Duration) {}

var caller = domain.UnmarshalUserFromDatabase(domain.UserRecord{
	ID: 1, Username: "13800000000", Mobile: "13800000000", Gender: domain.GenderFemale, Active: true,
})

// newTestApp serves the use cases of app; the caller of an authenticated route is caller.
func newTestApp(app ports.Application) *fiber.App {
	if app.Queries.Authenticate == nil {
		app.Queries.Authenticate = &stub[string, *ports.Principal]{answer: &ports.Principal{User: caller, Session: "s"}}
	}
	return NewApp(Config{Language: langEN, AllowedOrigins: []string{"*"}, RequestTimeout: time.Second},
		Deps{App: app, Keys: noKeys{}, Readiness: alwaysReady{}, Observer: noRequests{}, Logger: slog.New(slog.DiscardHandler)})
}

type answer struct {
	status int
	header http.Header
	body   string
}

func send(t *testing.T, app *fiber.App, method, path, contentType, body string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{res.StatusCode, res.Header, string(raw)}
}

const jsonType = "application/json"

// The handler reads each field's shape, hands the use case plain values, and merges both
// kinds of error in the contract's field order, a field's shape errors standing for it.
func TestRegisterMergesShapeAndRuleErrors(t *testing.T) {
	register := &stub[ports.Register, ports.Registered]{err: domain.FieldErrors{
		{Field: "username", Err: domain.ErrRequired},
		{Field: "code", Err: domain.ErrCodeMismatch},
		{Field: "password", Err: domain.ErrPasswordTooShort.WithParam("8")},
	}}
	app := newTestApp(ports.Application{Commands: ports.Commands{Register: register}})
	a := send(t, app, "POST", "/users/", jsonType, `{"password": " short ", "code": "123456", "username": null}`)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, `{"username":["This field may not be null."],"code":["Verification code error"],"password":["Ensure this field has at least 8 characters."]}`, a.body)
	assert.Equal(t, ports.Register{Username: "", Code: "123456", Password: "short"}, register.got, "plain values, trimmed; none for a refused field")
}

func TestShapeErrorsOfEachKind(t *testing.T) {
	register := &stub[ports.Register, ports.Registered]{err: domain.FieldErrors{{Field: "code", Err: domain.ErrCodeRequired}}}
	app := newTestApp(ports.Application{Commands: ports.Commands{Register: register}})
	for body, want := range map[string]string{
		`{}`: `{"username":["This field is required."],"code":["Please enter the verification code"],"password":["This field is required."]}`,
		`{"username": "  ", "code": " ", "password": ""}`: `{"username":["This field may not be blank."],"code":["Please enter the verification code"],"password":["This field may not be blank."]}`,
		`{"username": [1], "code": {}, "password": true}`: `{"username":["Not a valid string."],"code":["Not a valid string."],"password":["Not a valid string."]}`,
	} {
		a := send(t, app, "POST", "/users/", jsonType, body)
		assert.Equal(t, http.StatusBadRequest, a.status, body)
		assert.Equal(t, want, a.body, body)
	}
}

// A failure that is not about fields is answered as it is, whatever the fields' shape.
func TestNonFieldFailuresWinOverShape(t *testing.T) {
	register := &stub[ports.Register, ports.Registered]{err: domain.ErrThrottled.WithParam("7")}
	app := newTestApp(ports.Application{Commands: ports.Commands{Register: register}})
	a := send(t, app, "POST", "/users/", jsonType, `{"username": "13800000000", "code": "123456"}`)
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "7", a.header.Get("Retry-After"))
	assert.Equal(t, `{"detail":"Request was throttled. Expected available in 7 seconds."}`, a.body)
}

func TestErrorMapping(t *testing.T) {
	rows := []struct {
		name      string
		err       error
		status    int
		body      string
		challenge string
	}{
		{"an API key refused", domain.ErrTokenInvalid, 401, `{"detail":"Invalid token."}`, "Token"},
		{"an access token refused", domain.ErrJWTExpired, 401, `{"detail":"Signature has expired."}`, `JWT realm="api"`},
		{"wrapped", errors.Join(errors.New("context"), domain.ErrSessionEnded), 401, `{"detail":"Session has ended, log in again."}`, `JWT realm="api"`},
		{"the store down", domain.ErrStoreUnavailable, 503, `{"detail":"Service temporarily unavailable, try again later."}`, ""},
		{"the vendor down", domain.ErrSMSUnavailable, 503, `{"detail":"SMS service unavailable, try again later."}`, ""},
		{"anything else", errors.New("boom: internal detail"), 500, `{"detail":"A server error occurred."}`, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			refresh := &stub[ports.Refresh, ports.Tokens]{err: row.err}
			app := newTestApp(ports.Application{Commands: ports.Commands{Refresh: refresh}})
			a := send(t, app, "POST", "/token/refresh/", jsonType, `{"refresh": "x"}`)
			assert.Equal(t, row.status, a.status)
			assert.Equal(t, row.body, a.body)
			assert.Equal(t, row.challenge, a.header.Get("WWW-Authenticate"))
		})
	}
}

// Every body encoding reaches the use case as the same command.
func TestBodiesOfEveryEncodingGiveOneCommand(t *testing.T) {
	login := &stub[ports.LogIn, ports.Tokens]{answer: ports.Tokens{Access: "a", Refresh: "r", DeviceToken: "d"}}
	app := newTestApp(ports.Application{Commands: ports.Commands{LogIn: login}})
	for contentType, body := range map[string]string{
		jsonType:                            `{"username": "13800000000", "password": "correct horse", "extra": 1}`,
		"application/x-www-form-urlencoded": "username=13800000000&password=correct+horse",
		"multipart/form-data; boundary=b": "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n13800000000\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\ncorrect horse\r\n--b--\r\n",
	} {
		login.got = ports.LogIn{}
		a := send(t, app, "POST", "/login/", contentType, body)
		require.Equal(t, http.StatusOK, a.status, a.body)
		assert.Equal(t, `{"token":"a","refresh":"r","device_token":"d"}`, a.body)
		assert.Equal(t, "13800000000", login.got.Username, contentType)
		assert.Equal(t, "correct horse", login.got.Password, contentType)
	}
	a := send(t, app, "POST", "/login/", "text/plain", "username=x")
	assert.Equal(t, http.StatusUnsupportedMediaType, a.status)
	assert.Equal(t, `{"detail":"Unsupported media type \"text/plain\" in request."}`, a.body)
}

// A profile update with a refused field writes nothing, and still reports the rules the
// other fields break.
func TestProfileWithARefusedFieldIsNotWritten(t *testing.T) {
	update := &stub[ports.UpdateProfile, *domain.User]{answer: caller}
	app := newTestApp(ports.Application{Commands: ports.Commands{UpdateProfile: update}})
	a := send(t, app, "PATCH", "/users/1/", jsonType, `{"gender": null, "email": "not an address", "name": "小明"}`)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, `{"gender":["This field may not be null."],"email":["Enter a valid email address."]}`, a.body)
	assert.False(t, update.called, "the use case was not asked to write")

	a = send(t, app, "PATCH", "/users/1/", jsonType, `{"name": " 小明 ", "birthday": null}`)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.True(t, update.called)
	require.NotNil(t, update.got.Change.Name)
	assert.Equal(t, "小明", *update.got.Change.Name, "trimmed")
	assert.Equal(t, "", *update.got.Change.Birthday, "null clears a nullable field")
	assert.Nil(t, update.got.Change.Gender, "not sent")
}
