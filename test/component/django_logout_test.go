package component_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A token of the original service has no session to end: logging out with it revokes that
// token, in every spelling of its signature, until it expires; the user's other tokens go on.
func TestLogoutRevokesATokenWithoutASession(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse")
		revoked := djangoToken(t, h, 1, mobile)
		h.Clock.Advance(time.Second) // another exp: another token
		other := djangoToken(t, h, 1, mobile)
		respelled := respellSignature(revoked)
		h.AddSecrets(respelled)
		for _, token := range []string{revoked, respelled, other} {
			require.Equal(t, http.StatusOK, me(h, token))
		}

		r := h.Post("/logout/", nil, "Authorization", "JWT "+revoked)
		require.Equal(t, http.StatusNoContent, r.Status, "body: %s", r.Body)
		for _, token := range []string{revoked, respelled} {
			harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token), http.StatusUnauthorized,
				`{"detail": "Session has ended, log in again."}`)
		}
		require.Equal(t, http.StatusOK, me(h, other), "only the token logged out with is revoked")
		require.Equal(t, http.StatusUnauthorized, h.Post("/logout/", nil, "Authorization", "JWT "+revoked).Status)

		h.Clock.Advance(time.Hour)
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+revoked), http.StatusUnauthorized,
			`{"detail": "Signature has expired."}`)
	})
}

// respellSignature sets a bit of the token's last character that base64url decoding
// ignores: the same signature, other bytes.
func respellSignature(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last^1])
}
