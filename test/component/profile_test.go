package component_test

import (
	"github.com/phoneauth/phoneauth/test/harness"

	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// CONTRACT.md §2.5.
func TestProfileRead(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	for _, path := range []string{"/users/1/", "/users/1", "/users/999/", "/users/me/"} {
		harness.Expect(t, h.Request(http.MethodGet, path, nil, "Authorization", "JWT "+token), http.StatusOK,
			`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`)
	}
}

func TestProfileUpdate(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	token := h.Register(mobile, "correct horse")
	auth := []string{"Authorization", "JWT " + token}

	r := h.Request(http.MethodPatch, "/users/1/", map[string]any{"name": "小明", "gender": "male", "birthday": "1990-05-17", "email": "ming@example.com", "mobile": "13900000000", "unknown": 1}, auth...)
	harness.Expect(t, r, http.StatusOK, `{"name": "小明", "gender": "male", "birthday": "1990-05-17", "email": "ming@example.com", "mobile": "`+mobile+`"}`)
	require.Contains(t, string(r.Body), "小明", "non-ASCII is not escaped")

	// The old client PUTs the whole object back; null clears an optional field.
	r = h.Request(http.MethodPut, "/users/1/", map[string]any{"name": nil, "gender": "female", "birthday": nil, "email": nil, "mobile": mobile}, auth...)
	harness.Expect(t, r, http.StatusOK, `{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`)

	// The registration answer's name follows the profile name.
	h.Request(http.MethodPatch, "/users/1/", map[string]any{"name": "Ming"}, auth...)
	harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, auth...), http.StatusOK,
		`{"name": "Ming", "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`)
}

func TestProfileUpdateValidation(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	token := h.Register(harness.NewMobile(), "correct horse")
	auth := []string{"Authorization", "JWT " + token}
	rows := []struct {
		name   string
		body   map[string]any
		en, zh string
	}{
		{"name too long", map[string]any{"name": strings.Repeat("名", 31)}, `{"name": ["Ensure this field has no more than 30 characters."]}`, `{"name": ["请确保这个字段不能超过 30 个字符。"]}`},
		{"gender", map[string]any{"gender": "x"}, `{"gender": ["\"x\" is not a valid choice."]}`, `{"gender": ["“x” 不是合法选项。"]}`},
		{"gender null", map[string]any{"gender": nil}, `{"gender": ["This field may not be null."]}`, `{"gender": ["该字段不能为 null。"]}`},
		{"birthday", map[string]any{"birthday": "17/05/1990"}, `{"birthday": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`, `{"birthday": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"]}`},
		{"email", map[string]any{"email": "not-an-email"}, `{"email": ["Enter a valid email address."]}`, `{"email": ["输入一个有效的 Email 地址。"]}`},
		{"email too long", map[string]any{"email": strings.Repeat("a", 95) + "@x.com"}, `{"email": ["Ensure this field has no more than 100 characters."]}`, `{"email": ["请确保这个字段不能超过 100 个字符。"]}`},
		{"several", map[string]any{"email": "bad", "gender": "x"}, `{"gender": ["\"x\" is not a valid choice."], "email": ["Enter a valid email address."]}`, `{"gender": ["“x” 不是合法选项。"], "email": ["输入一个有效的 Email 地址。"]}`},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			harness.Expect(t, h.Request(http.MethodPatch, "/users/1/", row.body, auth...), http.StatusBadRequest, row.en)
			harness.Expect(t, h.Request(http.MethodPatch, "/users/1/", row.body, append(auth, "Accept-Language", "zh-hans")...), http.StatusBadRequest, row.zh)
		})
	}
	// Nothing of a rejected update was written.
	r := h.Request(http.MethodPatch, "/users/1/", map[string]any{"name": "Kept?", "gender": "x"}, auth...)
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Nil(t, h.Request(http.MethodGet, "/users/1/", nil, auth...).JSON(t)["name"])
}

func TestProfileNeedsCredentials(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodPut} {
		r := h.Request(method, "/users/1/", map[string]any{"name": "x"})
		harness.Expect(t, r, http.StatusUnauthorized, `{"detail": "Authentication credentials were not provided."}`)
		require.Equal(t, `JWT realm="api"`, r.Header.Get("WWW-Authenticate"))
	}
	harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Accept-Language", "zh-hans"), http.StatusUnauthorized, `{"detail": "身份认证信息未提供。"}`)
}
