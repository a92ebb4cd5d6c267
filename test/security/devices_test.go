package security_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// loginFrom logs in from ip, with a device token when one is given.
func loginFrom(h *harness.Harness, ip, username, password, device string) harness.Response {
	headers := from(ip)
	if device != "" {
		headers = append(headers, "X-Device-Token", device)
	}
	return h.Post("/login/", map[string]any{"username": username, "password": password}, headers...)
}

// deviceToken logs in and returns the device token of the answer.
func deviceToken(t *testing.T, h *harness.Harness, ip, username, password string) string {
	t.Helper()
	r := loginFrom(h, ip, username, password, "")
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	device, _ := r.JSON(t)["device_token"].(string)
	require.NotEmpty(t, device, "a login answers with a device token")
	h.AddSecrets(device)
	return device
}

// An attacker who guesses from a fresh IP each time locks the account for every client
// without a device token, and never for the owner's device.
func TestRotatingIPsCannotLockTheOwnersDeviceOut(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "3"})
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse")
		device := deviceToken(t, h, "198.51.100.20", mobile, "correct horse")

		for i := range 3 {
			r := loginFrom(h, fmt.Sprintf("203.0.113.%d", 100+i), mobile, "wrong guess", "")
			require.Equal(t, http.StatusBadRequest, r.Status, "body: %s", r.Body)
		}
		require.Equal(t, http.StatusTooManyRequests, loginFrom(h, "203.0.113.200", mobile, "wrong guess", "").Status, "the account is throttled")
		require.Equal(t, http.StatusTooManyRequests, loginFrom(h, "198.51.100.20", mobile, "correct horse", "").Status,
			"for the right password too, without a device token")

		for i := range 5 {
			r := loginFrom(h, fmt.Sprintf("198.51.100.%d", 30+i), mobile, "correct horse", device)
			require.Equal(t, http.StatusOK, r.Status, "the owner's device, attempt %d: %s", i+1, r)
			require.Equal(t, device, r.JSON(t)["device_token"], "a valid device token comes back as it was")
			require.Equal(t, http.StatusTooManyRequests, loginFrom(h, fmt.Sprintf("203.0.113.%d", 150+i), mobile, "wrong guess", "").Status)
		}
	})
}

// Failures from a shared (CGNAT) address throttle that address, but not a device that
// logged in from behind it before.
func TestASharedIPDoesNotRefuseKnownDevices(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "3"})
	const shared = "100.64.0.1"
	owner := harness.NewMobile()
	h.Register(owner, "correct horse")
	device := deviceToken(t, h, shared, owner, "correct horse")
	for range 3 {
		require.Equal(t, http.StatusBadRequest, loginFrom(h, shared, harness.NewMobile(), "guess", "").Status)
	}
	require.Equal(t, http.StatusTooManyRequests, loginFrom(h, shared, owner, "correct horse", "").Status, "the shared IP is throttled")
	require.Equal(t, http.StatusOK, loginFrom(h, shared, owner, "correct horse", device).Status, "the known device is not")
}

// A device token that fails too often is locked like an account, and its lock is its own.
func TestADeviceThatFailsTooOftenIsLocked(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "3"})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	stolen := deviceToken(t, h, "198.51.100.40", mobile, "correct horse")
	for i := range 3 {
		require.Equal(t, http.StatusBadRequest, loginFrom(h, fmt.Sprintf("203.0.113.%d", i+1), mobile, "wrong guess", stolen).Status)
	}
	throttled(t, loginFrom(h, "203.0.113.9", mobile, "correct horse", stolen), 1)
	require.Equal(t, 1.0, h.Metric("phoneauth_limit_refusals_total", `reason="login_device"`))
	// Neither the account nor the IPs paid for the device's failures.
	require.Equal(t, http.StatusOK, loginFrom(h, "198.51.100.41", mobile, "correct horse", "").Status)
}

// A device token is good only for the account it was issued for; any other value is
// ignored and the attempt is judged as if it carried none.
func TestADeviceTokenOfAnotherAccountCountsForNothing(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"TRUSTED_PROXIES": trustedProxy, "LOGIN_FAILURES_BEFORE_DELAY": "1"})
	alice, bob := harness.NewMobile(), harness.NewMobile()
	h.Register(alice, "correct horse")
	h.Register(bob, "battery staple")
	alicesDevice := deviceToken(t, h, "198.51.100.50", alice, "correct horse")
	require.Equal(t, http.StatusBadRequest, loginFrom(h, "203.0.113.50", bob, "wrong guess", "").Status)
	for _, device := range []string{alicesDevice, "garbage", alicesDevice + "x"} {
		require.Equal(t, http.StatusTooManyRequests, loginFrom(h, "203.0.113.51", bob, "battery staple", device).Status, "device %q", device)
	}
	r := loginFrom(h, "198.51.100.50", alice, "correct horse", "forged.token")
	require.Equal(t, http.StatusOK, r.Status)
	require.NotEqual(t, "forged.token", r.JSON(t)["device_token"], "an invalid token is replaced")
}
