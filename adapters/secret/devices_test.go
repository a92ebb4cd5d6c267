package secret_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/secret"
)

func TestDeviceTokenIsBoundToItsAccountAndKey(t *testing.T) {
	devices := secret.NewDeviceTokens([]byte("device key"))
	token, err := devices.Issue(7)
	require.NoError(t, err)

	device, ok := devices.Check(token, 7)
	require.True(t, ok)
	assert.NotEmpty(t, device)
	assert.True(t, strings.HasPrefix(token, device+"."), "the device id is the token's first part")

	_, ok = devices.Check(token, 8)
	assert.False(t, ok, "another account")
	_, ok = secret.NewDeviceTokens([]byte("another key")).Check(token, 7)
	assert.False(t, ok, "another key")

	other, err := devices.Issue(7)
	require.NoError(t, err)
	otherDevice, ok := devices.Check(other, 7)
	require.True(t, ok)
	assert.NotEqual(t, device, otherDevice, "each token names a device of its own")
}

func TestDeviceTokenRefusesForgeries(t *testing.T) {
	devices := secret.NewDeviceTokens([]byte("device key"))
	token, err := devices.Issue(7)
	require.NoError(t, err)
	device, tag, _ := strings.Cut(token, ".")
	for _, forged := range []string{
		"", ".", device, device + ".", "." + tag, device + "." + flipFirst(tag),
		flipFirst(device) + "." + tag, device + "." + tag + "A", device + "." + tag + "=",
		token + "." + tag, "\xff\x00." + tag,
	} {
		_, ok := devices.Check(forged, 7)
		assert.False(t, ok, "%q", forged)
	}
}

// flipFirst changes the first character of a base64url text to another of its alphabet.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}
