package sms

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test vector of the Standard Webhooks reference libraries (and Svix's, whose scheme
// the spec took): a receiver's library computes this signature from these inputs, so a
// signer that reproduces it is verified by them.
func TestStandardSignatureReproducesTheReferenceVector(t *testing.T) {
	keys, err := parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)
	require.NoError(t, err)
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		standardSignatures(keys.standard, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`)))
}

func TestWebhookIDsAreFreshAndDotless(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := newWebhookID()
		require.NoError(t, err)
		require.Regexp(t, `^msg_[0-9a-f]{32}$`, id)
		require.False(t, seen[id])
		seen[id] = true
	}
}
