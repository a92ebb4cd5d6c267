package security_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
)

// closedAddr is a loopback address nothing listens on: a vendor that cannot be reached.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Operators put vendor credentials in a URL's user info or query; an unreachable vendor's
// error, logged with the 503 it causes, must not carry them into the log.
func TestVendorURLCredentialsAreNotLogged(t *testing.T) {
	t.Parallel()
	const user, password, key = "vendor-user", "vendor-pass", "SECRET-vendor-key"
	url := "http://" + user + ":" + password + "@" + closedAddr(t) + "/send?key=" + key
	for name, env := range map[string]map[string]string{
		"webhook": {"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": url, "SMS_WEBHOOK_SECRET": "webhook-signing-secret", "SMS_WEBHOOK_LEGACY_SIGNATURE": "true"},
		"yunpian": {"SMS_PROVIDER": "yunpian", "YUNPIAN_URL": url, "YUNPIAN_API_KEY": "yunpian-api-key"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := harness.Start(t, env, nil, harness.NewClock())
			h.AddSecrets(user, password, key)
			r := h.Post("/code/", map[string]any{"mobile": harness.NewMobile()})
			require.Equal(t, http.StatusServiceUnavailable, r.Status, "body: %s", r.Body)
			logged := h.Log()
			require.Contains(t, logged, "dependency unavailable")
			require.Contains(t, logged, "http://xxxxx@127.0.0.1", "the URL is named, redacted")
			require.False(t, strings.Contains(logged, key) || strings.Contains(logged, password), "credentials logged")
		})
	}
}
