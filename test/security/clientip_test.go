package security_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// codeFrom asks for a code to a new mobile through a trusted proxy that sent the given
// X-Forwarded-For lines, each as a header line of its own.
func codeFrom(t *testing.T, h *harness.Harness, forwardedFor ...string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/code/", strings.NewReader(`{"mobile": "`+harness.NewMobile()+`"}`))
	req.Header.Set("Content-Type", "application/json")
	for _, line := range forwardedFor {
		req.Header.Add("X-Forwarded-For", line)
	}
	r, err := h.Do(req)
	require.NoError(t, err)
	return r.Status
}

// A proxy that appends its own X-Forwarded-For line (HAProxy does) after the client's
// forged one: the address the proxy saw is the client, whatever the first line says.
func TestIPLimitReadsEveryForwardedForLine(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": trustedProxy})
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "198.51.100.1", "203.0.113.7"))
		require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "198.51.100.2", "203.0.113.7"), "a forged first line does not make a new client")
		require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "198.51.100.3, 198.51.100.4", "203.0.113.7"))
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "203.0.113.7", "203.0.113.8"), "the proxy's line names the client")
	})
}

// An IPv6 subscriber holds a whole /64 and can use a fresh address for every request:
// limits count the /64 (IPV6_LIMIT_PREFIX) as one client.
func TestIPLimitCountsAnIPv6PrefixAsOneClient(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": trustedProxy})
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "2001:db8:1:2::1"))
		require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "2001:db8:1:2:ffff:ffff:ffff:fffe"), "same /64")
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "2001:db8:1:3::1"), "another /64")

		// An IPv4-mapped IPv6 address is the IPv4 address, and IPv4 clients are not grouped.
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "::ffff:203.0.113.9"))
		require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "203.0.113.9"))
		require.Equal(t, http.StatusCreated, codeFrom(t, h, "203.0.113.10"))
	})
}

func TestIPv6LimitPrefixIsConfigurable(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": trustedProxy, "IPV6_LIMIT_PREFIX": "48"})
	require.Equal(t, http.StatusCreated, codeFrom(t, h, "2001:db8:1:2::1"))
	require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "2001:db8:1:3::1"), "same /48")
	require.Equal(t, http.StatusCreated, codeFrom(t, h, "2001:db8:2::1"), "another /48")
}

// Proxies that write the client's port read as the client's address, not as a garbled
// hop that would make every client the proxy.
func TestIPLimitReadsHopsWithPorts(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"SMS_IP_HOURLY_LIMIT": "1", "TRUSTED_PROXIES": trustedProxy})
	require.Equal(t, http.StatusCreated, codeFrom(t, h, "203.0.113.7:5555"))
	require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "203.0.113.7:6666"), "the port is not the client")
	require.Equal(t, http.StatusCreated, codeFrom(t, h, "[2001:db8::1]:443"))
	require.Equal(t, http.StatusTooManyRequests, codeFrom(t, h, "[2001:db8::2]:80"))
	require.Equal(t, http.StatusCreated, codeFrom(t, h, "198.51.100.4:1"))
}
