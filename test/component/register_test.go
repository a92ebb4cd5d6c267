package component

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.2: field rows, each alone and in both languages.
func TestRegisterFieldValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	taken := newMobile()
	h.register(taken, "correct horse")
	mobile := newMobile()
	code := h.requestCode(mobile)

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
			expect(t, h.post("/users/", row.body), http.StatusBadRequest, `{"`+row.field+`": [`+quote(row.en)+`]}`)
			expect(t, h.post("/users/", row.body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"`+row.field+`": [`+quote(row.zh)+`]}`)
		})
	}
	// A right code next to a failing field is not used up: it still registers.
	r := h.post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"})
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
}

func TestRegisterUsernameTaken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.register(mobile, "correct horse")
	h.clock.Advance(time.Minute)
	expect(t, h.post("/users/", map[string]any{"username": mobile, "code": "000000", "password": "long enough"}, "Accept-Language", "zh-hans"),
		http.StatusBadRequest, `{"username": ["用户已经存在"], "code": ["验证码错误"]}`)
	expect(t, h.post("/users/", map[string]any{"username": mobile, "code": "000000", "password": "long enough"}),
		http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
}

func TestRegisterNoCodeSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	body := map[string]any{"username": newMobile(), "code": "123456", "password": "long enough"}
	expect(t, h.post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	expect(t, h.post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误"]}`)
}

func TestRegisterCodeExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	h.clock.Advance(5 * time.Minute)
	body := map[string]any{"username": mobile, "code": code, "password": "long enough"}
	expect(t, h.post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code expired"]}`)
	expect(t, h.post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码过期"]}`)
}

func TestRegisterCodeMismatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	body := map[string]any{"username": mobile, "code": wrongCode(code), "password": "long enough"}
	expect(t, h.post("/users/", body), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	expect(t, h.post("/users/", body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误"]}`)
}

func TestRegisterOnlyTheNewestCodeCounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	first := h.requestCode(mobile)
	h.clock.Advance(time.Minute)
	second := h.requestCode(mobile)
	if first != second {
		expect(t, h.post("/users/", map[string]any{"username": mobile, "code": first, "password": "long enough"}),
			http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	}
	require.Equal(t, http.StatusCreated, h.post("/users/", map[string]any{"username": mobile, "code": second, "password": "long enough"}).status)
}

func TestRegisterTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	wrong := map[string]any{"username": mobile, "code": wrongCode(code), "password": "long enough"}
	for range 5 {
		expect(t, h.post("/users/", wrong), http.StatusBadRequest, `{"code": ["Verification code error"]}`)
	}
	right := map[string]any{"username": mobile, "code": code, "password": "long enough"}
	expect(t, h.post("/users/", right), http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
	expect(t, h.post("/users/", right, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"code": ["验证码错误次数过多，请重新获取"]}`)

	// A new code starts a new budget.
	h.clock.Advance(time.Minute)
	fresh := h.requestCode(mobile)
	require.Equal(t, http.StatusCreated, h.post("/users/", map[string]any{"username": mobile, "code": fresh, "password": "long enough"}).status)
}

func TestRegisterWrongGuessCountsEvenWhenAnotherFieldFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"SMS_MAX_ATTEMPTS": "1"})
	mobile := newMobile()
	code := h.requestCode(mobile)
	expect(t, h.post("/users/", map[string]any{"username": mobile, "code": wrongCode(code), "password": "short"}),
		http.StatusBadRequest, `{"code": ["Verification code error"], "password": ["Ensure this field has at least 8 characters."]}`)
	expect(t, h.post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
		http.StatusBadRequest, `{"code": ["Too many incorrect attempts, request a new code"]}`)
}

func TestRegisterCombinesFieldErrorsInFieldOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	r := h.post("/users/", map[string]any{"password": "x", "code": "12", "username": nil})
	expect(t, r, http.StatusBadRequest, `{"username": ["This field may not be null."], "code": ["Verification code format error"], "password": ["Ensure this field has at least 8 characters."]}`)
	require.Equal(t, `{"username":["This field may not be null."],"code":["Verification code format error"],"password":["Ensure this field has at least 8 characters."]}`, string(r.body))
}

func TestRegisterSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	// A stale token on the registration page must not break registration.
	r := h.post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}, "Authorization", "JWT stale.token.value")
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	body := r.json(t)
	require.Equal(t, mobile, body["username"])
	require.Equal(t, mobile, body["mobile"])
	require.Equal(t, mobile, body["name"])
	require.NotContains(t, body, "password")
	token := body["token"].(string)
	h.secrets = append(h.secrets, token, "long enough")

	// The token works, and the user can log in with the password.
	me := h.request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token)
	require.Equal(t, http.StatusOK, me.status, "body: %s", me.body)
	h.login(mobile, "long enough")
}

func TestRegisterConsumesTheCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	require.Equal(t, http.StatusCreated, h.post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}).status)
	expect(t, h.post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}),
		http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
}

func TestRegisterWithForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	code := h.requestCode(mobile)
	body, headers := formBody(map[string]string{"username": mobile, "code": code, "password": "long enough"})
	require.Equal(t, http.StatusCreated, h.post("/users/", body, headers...).status)
}

// wrongCode returns a code of the same length that differs from code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
