package component_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// DRF's BooleanField's texts, as /logout/ reads `all`.
var (
	drfTrueTexts  = []string{"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"}
	drfFalseTexts = []string{"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"}
)

// `all` of /logout/ reads as DRF's BooleanField: true values end every session, false
// ones (and none) only the caller's, anything else is refused and ends nothing.
func TestLogoutReadsAllAsDRFBooleanField(t *testing.T) {
	t.Parallel()
	const (
		everySession = "every session"
		callerOnly   = "the caller's session"
		notBoolean   = `{"all": ["Must be a valid boolean."]}`
	)
	jsonBody := func(raw string) (string, []string) { return raw, []string{"Content-Type", "application/json"} }
	type testCase struct {
		name    string
		body    string
		headers []string
		// ends is what the logout ends, or the 400 body it answers with.
		ends string
	}
	cases := []testCase{
		{"JSON true", `{"all": true}`, nil, everySession},
		{"JSON 1", `{"all": 1}`, nil, everySession},
		{"JSON false", `{"all": false}`, nil, callerOnly},
		{"JSON 0", `{"all": 0}`, nil, callerOnly},
		{"JSON without all", `{}`, nil, callerOnly},
		{"no body", "", nil, callerOnly},
		{"JSON null", `{"all": null}`, nil, `{"all": ["This field may not be null."]}`},
		{"JSON maybe", `{"all": "maybe"}`, nil, notBoolean},
		{"JSON 2", `{"all": 2}`, nil, notBoolean},
		{"JSON list", `{"all": []}`, nil, notBoolean},
		{"JSON object", `{"all": {}}`, nil, notBoolean},
		{"JSON empty text", `{"all": ""}`, nil, notBoolean},
		{"JSON padded text", `{"all": " true"}`, nil, notBoolean},
		{"JSON text 1.0", `{"all": "1.0"}`, nil, notBoolean},
	}
	for i := range cases {
		if cases[i].body != "" {
			cases[i].body, cases[i].headers = jsonBody(cases[i].body)
		}
	}
	for texts, ends := range map[*[]string]string{&drfTrueTexts: everySession, &drfFalseTexts: callerOnly} {
		for _, text := range *texts {
			body, headers := jsonBody(`{"all": ` + harness.Quote(text) + `}`)
			cases = append(cases, testCase{"JSON " + harness.Quote(text), body, headers, ends})
			body, headers = harness.FormBody(map[string]string{"all": text})
			cases = append(cases, testCase{"form " + text, body, headers, ends})
		}
	}
	form := func(name, value, ends string) testCase {
		body, headers := harness.FormBody(map[string]string{"all": value})
		return testCase{name, body, headers, ends}
	}
	multipart := func(name, value, ends string) testCase {
		body, headers := harness.MultipartBody(t, map[string]string{"all": value})
		return testCase{name, body, headers, ends}
	}
	cases = append(cases,
		form("form empty", "", callerOnly), // DRF skips an empty form value: the default
		form("form maybe", "maybe", notBoolean),
		form("form 2", "2", notBoolean),
		multipart("multipart on", "on", everySession),
		multipart("multipart off", "off", callerOnly),
		multipart("multipart empty", "", callerOnly),
		multipart("multipart maybe", "maybe", notBoolean),
		testCase{"zh-hans", `{"all": "maybe"}`, []string{"Content-Type", "application/json", "Accept-Language", "zh-hans"},
			`{"all": ["必须是有效的布尔值。"]}`},
		testCase{"zh-hans null", `{"all": null}`, []string{"Content-Type", "application/json", "Accept-Language", "zh-hans"},
			`{"all": ["该字段不能为 null。"]}`},
	)

	h := harness.New(t, nil)
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			caller := loginSession(t, h, mobile, "correct horse")
			other := loginSession(t, h, mobile, "correct horse")
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := h.Post("/logout/", body, append([]string{"Authorization", "JWT " + caller.access}, tc.headers...)...)
			switch tc.ends {
			case everySession:
				require.Equal(t, http.StatusNoContent, r.Status, "body: %s", r.Body)
				require.Equal(t, http.StatusUnauthorized, me(h, caller.access))
				require.Equal(t, http.StatusUnauthorized, me(h, other.access), "another session ends too")
			case callerOnly:
				require.Equal(t, http.StatusNoContent, r.Status, "body: %s", r.Body)
				require.Equal(t, http.StatusUnauthorized, me(h, caller.access))
				require.Equal(t, http.StatusOK, me(h, other.access), "another session goes on")
			default:
				harness.Expect(t, r, http.StatusBadRequest, tc.ends)
				require.Equal(t, http.StatusOK, me(h, caller.access), "a refused logout ends nothing")
				require.Equal(t, http.StatusOK, me(h, other.access))
			}
		})
	}
}
