package component

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.1, one test per row, in English and Simplified Chinese.
func TestSendCodeValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	registered := newMobile()
	h.register(registered, "correct horse")

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
			expect(t, h.post("/code/", row.body), http.StatusBadRequest, `{"mobile": [`+quote(row.en)+`]}`)
			expect(t, h.post("/code/", row.body, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"mobile": [`+quote(row.zh)+`]}`)
		})
	}
	require.Len(t, h.sms.Outbox(), 1, "only the registration's code was sent")
}

func TestSendCodeSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	r := h.post("/code/", map[string]any{"mobile": mobile})
	expect(t, r, http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	outbox := h.sms.Outbox()
	require.Len(t, outbox, 1)
	require.Equal(t, mobile, outbox[0].Mobile)
	require.Regexp(t, `^【Muxue Fresh Supermarket】Your verification code is \d{6}\. If you did not request it, please ignore this message\.$`, outbox[0].Text)
	h.secrets = append(h.secrets, codePattern.FindString(outbox[0].Text))
}

func TestSendCodeTrimsTheMobile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	expect(t, h.post("/code/", map[string]any{"mobile": " " + mobile + " "}), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
}

func TestSendCodeResendInterval(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.requestCode(mobile)

	h.clock.Advance(59 * time.Second)
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest,
		`{"mobile": ["Less than 60 seconds since the last code was sent"]}`)
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
		`{"mobile": ["距离上一次发送未超过60s"]}`)
	require.Len(t, h.sms.Outbox(), 1)

	h.clock.Advance(time.Second)
	h.requestCode(mobile)
}

func TestSendCodeResendIntervalIsConfigurable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"SMS_RESEND_INTERVAL": "2m"})
	mobile := newMobile()
	h.requestCode(mobile)
	h.clock.Advance(90 * time.Second)
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest,
		`{"mobile": ["Less than 120 seconds since the last code was sent"]}`)
}

func TestSendCodeProviderRefusal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.sms.Refuse("参数 mobile 格式不正确")
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}), http.StatusBadRequest, `{"mobile": ["参数 mobile 格式不正确"]}`)
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusBadRequest, `{"mobile": ["参数 mobile 格式不正确"]}`)

	// A refused send neither stores a code nor starts the resend interval.
	h.sms.Recover()
	code := h.requestCode(mobile)
	require.NotEmpty(t, code)
}

func TestSendCodeProviderUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	mobile := newMobile()
	h.sms.BeUnavailable()
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}), http.StatusServiceUnavailable, `{"detail": "SMS service unavailable, try again later."}`)
	expect(t, h.post("/code/", map[string]any{"mobile": mobile}, "Accept-Language", "zh-hans"), http.StatusServiceUnavailable, `{"detail": "短信服务暂不可用，请稍后再试。"}`)

	h.sms.Recover()
	h.requestCode(mobile)
}

func TestSendCodeAcceptsFormAndMultipart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	form, headers := formBody(map[string]string{"mobile": newMobile()})
	require.Equal(t, http.StatusCreated, h.post("/code/", form, headers...).status)
	multi, headers := multipartBody(t, map[string]string{"mobile": newMobile()})
	require.Equal(t, http.StatusCreated, h.post("/code/", multi, headers...).status)
	require.Len(t, h.sms.Outbox(), 2)
}

func TestSendCodeLengthIsConfigurable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]string{"SMS_CODE_LENGTH": "4", "SMS_TEMPLATE": "code={code}"})
	mobile := newMobile()
	h.post("/code/", map[string]any{"mobile": mobile})
	outbox := h.sms.Outbox()
	require.Len(t, outbox, 1)
	require.Regexp(t, `^code=\d{4}$`, outbox[0].Text)
}
