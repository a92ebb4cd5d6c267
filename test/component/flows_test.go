package component_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/test/harness"
)

// Issue 15: codes for a purpose, logging in by code, resetting a password, changing the
// mobile, deleting the account. These helpers serve its tests.

// The contract's code errors, as /login/code/, /users/password/reset/, /users/mobile/ and
// DELETE /users/{any}/ answer them.
const (
	codeMismatch  = `{"code": ["Verification code error"]}`
	codeExpired   = `{"code": ["Verification code expired"]}`
	codeExhausted = `{"code": ["Too many incorrect attempts, request a new code"]}`
	badLogin      = `{"non_field_errors": ["Unable to log in with provided credentials."]}`
	userExists    = `{"mobile": ["User already exists"]}`
	tooSoon       = `{"mobile": ["Less than 60 seconds since the last code was sent"]}`
)

// bearer is the Authorization header of an access token.
func bearer(access string) []string { return []string{"Authorization", "JWT " + access} }

// askCode asks for a code for mobile and purpose ("" sends none) and returns the answer.
func askCode(h *harness.Harness, mobile, purpose string, headers ...string) harness.Response {
	body := map[string]any{"mobile": mobile}
	if purpose != "" {
		body["purpose"] = purpose
	}
	return h.Post("/code/", body, headers...)
}

// codeFor asks for a code for mobile and purpose, which must be accepted and texted to
// mobile, and returns the code.
func codeFor(t *testing.T, h *harness.Harness, mobile, purpose string, headers ...string) string {
	t.Helper()
	before := len(h.SMS.Outbox())
	harness.Expect(t, askCode(h, mobile, purpose, headers...), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	h.WaitForSends()
	outbox := h.SMS.Outbox()
	require.Len(t, outbox, before+1, "one SMS for the %s code", purpose)
	msg := outbox[len(outbox)-1]
	require.Equal(t, mobile, msg.Mobile)
	code := harness.CodePattern.FindString(msg.Text)
	require.NotEmpty(t, code, "no code in %q", msg.Text)
	h.AddSecrets(code)
	return code
}

// standIn asks for a code for mobile and purpose that must be accepted as any other, with
// nothing texted to mobile.
func standIn(t *testing.T, h *harness.Harness, mobile, purpose string) {
	t.Helper()
	before := len(textsTo(h, mobile))
	harness.Expect(t, askCode(h, mobile, purpose), http.StatusCreated, `{"mobile": "`+mobile+`"}`)
	h.WaitForSends()
	require.Len(t, textsTo(h, mobile), before, "nothing is texted to %s", mobile)
}

// textsTo returns the texts the fake provider accepted for mobile, oldest first.
func textsTo(h *harness.Harness, mobile string) []string {
	var texts []string
	for _, m := range h.SMS.Outbox() {
		if m.Mobile == mobile {
			texts = append(texts, m.Text)
		}
	}
	return texts
}

// loginByCode posts to /login/code/.
func loginByCode(h *harness.Harness, mobile, code string, headers ...string) harness.Response {
	return h.Post("/login/code/", map[string]any{"mobile": mobile, "code": code}, headers...)
}

// resetPassword posts to /users/password/reset/.
func resetPassword(h *harness.Harness, mobile, code, password string, headers ...string) harness.Response {
	return h.Post("/users/password/reset/", map[string]any{"mobile": mobile, "code": code, "password": password}, headers...)
}

// changeMobile posts to /users/mobile/ as the holder of access.
func changeMobile(h *harness.Harness, access, mobile, code string, headers ...string) harness.Response {
	return h.Post("/users/mobile/", map[string]any{"mobile": mobile, "code": code}, append(bearer(access), headers...)...)
}

// deleteAccount sends DELETE /users/1/ with body as the holder of access ("" for none).
func deleteAccount(h *harness.Harness, access string, body any, headers ...string) harness.Response {
	if access != "" {
		headers = append(bearer(access), headers...)
	}
	return h.Request(http.MethodDelete, "/users/1/", body, headers...)
}

// tokensOf reads {"token", "refresh"} from a successful answer and records them as secrets.
func tokensOf(t *testing.T, h *harness.Harness, r harness.Response) session {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	body := r.JSON(t)
	s := session{access: body["token"].(string), refresh: body["refresh"].(string)}
	h.AddSecrets(s.access, s.refresh)
	return s
}

// apiKey gets an API token from /api-token-auth/.
func apiKey(t *testing.T, h *harness.Harness, username, password string) string {
	t.Helper()
	r := h.Post("/api-token-auth/", map[string]any{"username": username, "password": password})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	key := r.JSON(t)["token"].(string)
	h.AddSecrets(key)
	return key
}

// withKey is the status of GET /users/1/ with an API token.
func withKey(h *harness.Harness, key string) int {
	return h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key).Status
}

// stored is how the database keeps a number of the harness's default region (CN): E.164.
func stored(national string) string { return "+86" + national }

// setActive switches the account whose mobile is mobile on or off, as an admin would in
// the database: the service has no route for it.
func setActive(t *testing.T, databaseURL, mobile string, active bool) {
	t.Helper()
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	defer db.Close()
	res, err := db.ExecContext(t.Context(), "UPDATE users SET active = ? WHERE mobile = ?", active, stored(mobile))
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "no user has mobile %s", mobile)
}
