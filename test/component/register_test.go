package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.2: field rows, each alone and in both languages.
func TestRegisterFieldValidation(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	taken := harness.NewMobile()
	h.Register(taken, "correct horse")
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)

	rows := []struct {
		name   string
		body   map[string]any
		field  string
		en, zh string
	}{
		{"username missing", map[string]any{"code": code, "password": "long enough"}, "username", "This field is required.", "该字段是必填项。"},
		{"username blank", map[string]any{"username": " ", "code": code, "password": "long enough"}, "username", "This field may not be blank.", "该字段不能为空。"},
		{"username null", map[string]any{"username": nil, "code": code, "password": "long enough"}, "username", "This field may not be null.", "该字段不能为 null。"},
		{"code missing", map[string]any{"username": mobile, "password": "long enough"}, "code", "Please enter the verification code", "请输入验证码"},
		{"code blank", map[string]any{"username": mobile, "code": "", "password": "long enough"}, "code", "Please enter the verification code", "请输入验证码"},
		{"code too short", map[string]any{"username": mobile, "code": "1234", "password": "long enough"}, "code", "Verification code format error", "验证码格式错误"},
		{"code too long", map[string]any{"username": mobile, "code": "1234567", "password": "long enough"}, "code", "Verification code format error", "验证码格式错误"},
		{"code not digits", map[string]any{"username": mobile, "code": "12a456", "password": "long enough"}, "code", "Verification code format error", "验证码格式错误"},
		{"password missing", map[string]any{"username": mobile, "code": code}, "password", "This field is required.", "该字段是必填项。"},
		{"password blank", map[string]any{"username": mobile, "code": code, "password": "  "}, "password", "This field may not be blank.", "该字段不能为空。"},
		{"password null", map[string]any{"username": mobile, "code": code, "password": nil}, "password", "This field may not be null.", "该字段不能为 null。"},
		{"password too short", map[string]any{"username": mobile, "code": code, "password": "short"}, "password", "Ensure this field has at least 8 characters.", "请确保这个字段至少包含 8 个字符。"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			harness.Expect(t, h.Post("/users/", row.body), http.StatusBadRequest, `{"`+row.field+`": [`+harness.Quote(row.en)+`]}`)
			harness.Expect(t, h.Post("/users/", row.body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"`+row.field+`": [`+harness.Quote(row.zh)+`]}`)
		})
	}
	// A right code next to a failing field is not used up: it still registers.
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
}

func TestRegisterUsernameTaken(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	h.Clock.Advance(time.Minute)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": "000000", "password": "long enough"}, "Accept-Language", "zh-hans"),
		http.StatusBadRequest, `{"username": ["用户已经存在"], "code": ["验证码错误"]}`)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": "000000", "password": "long enough"}),
		http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
}

func TestRegisterNoCodeSent(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	body := map[string]any{"username": harness.NewMobile(), "code": "123456", "password": "long enough"}
	harness.Expect(t, h.Post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	harness.Expect(t, h.Post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误"]}`)
}

func TestRegisterCodeExpired(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	h.Clock.Advance(5 * time.Minute)
	body := map[string]any{"username": mobile, "code": code, "password": "long enough"}
	harness.Expect(t, h.Post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code expired"]}`)
	harness.Expect(t, h.Post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码过期"]}`)
}

func TestRegisterCodeMismatch(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	body := map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "long enough"}
	harness.Expect(t, h.Post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	harness.Expect(t, h.Post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误"]}`)
}

func TestRegisterOnlyTheNewestCodeCounts(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	first := h.RequestCode(mobile)
	h.Clock.Advance(time.Minute)
	second := h.RequestCode(mobile)
	if first != second {
		harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": first, "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	}
	require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": second, "password": "long enough"}).Status)
}

func TestRegisterTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	wrong := map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "long enough"}
	for range 5 {
		harness.Expect(t, h.Post("/users/", wrong), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	}
	right := map[string]any{"username": mobile, "code": code, "password": "long enough"}
	harness.Expect(t, h.Post("/users/", right), http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
	harness.Expect(t, h.Post("/users/", right, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误次数过多，请重新获取"]}`)

	// A new code starts a new budget.
	h.Clock.Advance(time.Minute)
	fresh := h.RequestCode(mobile)
	require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": fresh, "password": "long enough"}).Status)
}

func TestRegisterWrongGuessCountsEvenWhenAnotherFieldFails(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_MAX_ATTEMPTS": "1"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": harness.WrongCode(code), "password": "short"}),
		http.StatusBadRequest, `{"code": ["Verification code error"], "password": ["Ensure this field has at least 8 characters."]}`)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
		http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
}

func TestRegisterCombinesFieldErrorsInFieldOrder(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	r := h.Post("/users/", map[string]any{"password": "x", "code": "12", "username": nil})
	harness.Expect(t, r, http.StatusBadRequest, `{"username": ["This field may not be null."], "code": ["Verification code format error"], "password": ["Ensure this field has at least 8 characters."]}`)
	require.Equal(t, `{"username":["This field may not be null."],"code":["Verification code format error"],"password":["Ensure this field has at least 8 characters."]}`, string(r.Body))
}

func TestRegisterSuccess(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	// A stale token on the registration page must not break registration.
	r := h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}, "Authorization", "JWT stale.token.value")
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	body := r.JSON(t)
	require.Equal(t, mobile, body["username"])
	require.Equal(t, mobile, body["mobile"])
	require.Equal(t, mobile, body["name"])
	require.NotContains(t, body, "password")
	token := body["token"].(string)
	h.AddSecrets(token, "long enough")

	// The token works, and the user can log in with the password.
	me := h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token)
	require.Equal(t, http.StatusOK, me.Status, "body: %s", me.Body)
	h.Login(mobile, "long enough")
}

func TestRegisterConsumesTheCode(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}).Status)
	harness.Expect(t, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
		http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
}

func TestRegisterWithForm(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	body, headers := harness.FormBody(map[string]string{"username": mobile, "code": code, "password": "long enough"})
	require.Equal(t, http.StatusCreated, h.Post("/users/", body, headers...).Status)
}
