package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.1, one test per row, in English and Simplified Chinese.
func TestSendCodeValidation(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	registered := harness.NewMobile()
	h.Register(registered, "correct horse")

	rows := []struct {
		name   string
		body   any
		en, zh string
	}{
		{"missing", map[string]any{}, "This field is required.", "该字段是必填项。"},
		{"empty", map[string]any{"mobile": ""}, "This field may not be blank.", "该字段不能为空。"},
		{"blank", map[string]any{"mobile": "   "}, "This field may not be blank.", "该字段不能为空。"},
		{"null", map[string]any{"mobile": nil}, "This field may not be null.", "该字段不能为 null。"},
		{"taken", map[string]any{"mobile": registered}, "User already exists", "用户已经存在"},
		{"invalid", map[string]any{"mobile": "12345"}, "Invalid mobile phone number", "手机号码非法"},
		{"invalid prefix", map[string]any{"mobile": "12800000000"}, "Invalid mobile phone number", "手机号码非法"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			harness.Expect(t, h.Post("/code/", row.body), http.StatusBadRequest, `{"mobile": [`+harness.Quote(row.en)+`]}`)
			harness.Expect(t, h.Post("/code/", row.body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"mobile": [`+harness.Quote(row.zh)+`]}`)
		})
	}
	require.Len(t, h.SMS.Outbox(), 1, "only the registration's code was sent")
}

func TestSendCodeSuccess(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	r := h.Post("/code/", map[string]any{"mobile": mobile})
	harness.Expect(t, r, http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	outbox := h.SMS.Outbox()
	require.Len(t, outbox, 1)
	require.Equal(t, mobile, outbox[0].Mobile)
	require.Regexp(t, `^【Muxue Fresh Supermarket】Your verification code is \d{6}\. If you did not request it, please ignore this message\.$`, outbox[0].Text)
	h.AddSecrets(harness.CodePattern.FindString(outbox[0].Text))
}

func TestSendCodeTrimsTheMobile(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": " " + mobile + " "}), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
}

func TestSendCodeResendInterval(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.RequestCode(mobile)

	h.Clock.Advance(59 * time.Second)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest,
		`{"mobile": ["Less than 60 seconds since the last code was sent"]}`)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
		`{"mobile": ["距离上一次发送未超过60s"]}`)
	require.Len(t, h.SMS.Outbox(), 1)

	h.Clock.Advance(time.Second)
	h.RequestCode(mobile)
}

func TestSendCodeResendIntervalIsConfigurable(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_RESEND_INTERVAL": "2m"})
	mobile := harness.NewMobile()
	h.RequestCode(mobile)
	h.Clock.Advance(90 * time.Second)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest,
		`{"mobile": ["Less than 120 seconds since the last code was sent"]}`)
}

func TestSendCodeProviderRefusal(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.SMS.Refuse("参数 mobile 格式不正确")
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest, `{"mobile": ["参数 mobile 格式不正确"]}`)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"mobile": ["参数 mobile 格式不正确"]}`)

	// A refused send neither stores a code nor starts the resend interval.
	h.SMS.Recover()
	code := h.RequestCode(mobile)
	require.NotEmpty(t, code)
}

func TestSendCodeProviderUnavailable(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.SMS.BeUnavailable()
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}), http.StatusServiceUnavailable, `{"detail": "SMS service unavailable, try again later."}`)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusServiceUnavailable, `{"detail": "短信服务暂不可用，请稍后再试。"}`)

	h.SMS.Recover()
	h.RequestCode(mobile)
}

func TestSendCodeAcceptsFormAndMultipart(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	form, headers := harness.FormBody(map[string]string{"mobile": harness.NewMobile()})
	require.Equal(t, http.StatusCreated, h.Post("/code/", form, headers...).Status)
	multi, headers := harness.MultipartBody(t, map[string]string{"mobile": harness.NewMobile()})
	require.Equal(t, http.StatusCreated, h.Post("/code/", multi, headers...).Status)
	require.Len(t, h.SMS.Outbox(), 2)
}

func TestSendCodeLengthIsConfigurable(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_CODE_LENGTH": "4", "SMS_TEMPLATE": "code={code}"})
	mobile := harness.NewMobile()
	h.Post("/code/", map[string]any{"mobile": mobile})
	outbox := h.SMS.Outbox()
	require.Len(t, outbox, 1)
	require.Regexp(t, `^code=\d{4}$`, outbox[0].Text)
}

// With SMS_ORIGIN the text ends with the origin-bound line browsers read (WebOTP,
// one-time-code autofill), and the code still registers.
func TestCodeTextEndsWithTheOriginBoundLine(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_ORIGIN": "shop.example"})
	mobile := harness.NewMobile()
	code := h.RequestCode(mobile)
	outbox := h.SMS.Outbox()
	lines := strings.Split(outbox[len(outbox)-1].Text, "\n")
	require.Equal(t, "@shop.example #"+code, lines[len(lines)-1])
	require.Equal(t, http.StatusCreated, h.Post("/users/", map[string]any{"username": mobile, "code": code, "password": "long enough"}).Status)

	plain := harness.New(t, nil)
	plain.RequestCode(harness.NewMobile())
	require.NotContains(t, plain.SMS.Outbox()[0].Text, "@", "no line without the setting")
}
