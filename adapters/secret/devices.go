package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.DeviceTokens = (*DeviceTokens)(nil)

// deviceIDBytes is the random part of a device token: 128 bits name a device.
const deviceIDBytes = 16

var b64 = base64.RawURLEncoding

// DeviceTokens implements ports.DeviceTokens with signed tokens, so that nothing is stored
// per device but its failure counter: `<device id>.<HMAC-SHA256 of the id and the user id>`,
// both in unpadded base64url.
type DeviceTokens struct {
	key []byte
}

// NewDeviceTokens returns device tokens signed under key.
func NewDeviceTokens(key []byte) *DeviceTokens {
	return &DeviceTokens{key: append([]byte(nil), key...)}
}

// Issue implements ports.DeviceTokens.
func (d *DeviceTokens) Issue(userID int64) (string, error) {
	id := make([]byte, deviceIDBytes)
	if _, err := rand.Read(id); err != nil {
		return "", fmt.Errorf("secret: reading randomness: %w", err)
	}
	device := b64.EncodeToString(id)
	return device + "." + b64.EncodeToString(d.tag(device, userID)), nil
}

// Check implements ports.DeviceTokens.
func (d *DeviceTokens) Check(token string, userID int64) (string, bool) {
	device, tag, found := strings.Cut(token, ".")
	if !found || len(device) != b64.EncodedLen(deviceIDBytes) {
		return "", false
	}
	got, err := b64.DecodeString(tag)
	if err != nil || !hmac.Equal(got, d.tag(device, userID)) {
		return "", false
	}
	return device, true
}

// tag binds a device id to one account.
func (d *DeviceTokens) tag(device string, userID int64) []byte {
	mac := hmac.New(sha256.New, d.key)
	mac.Write([]byte(device))
	mac.Write([]byte{':'})
	mac.Write([]byte(strconv.FormatInt(userID, 10)))
	return mac.Sum(nil)
}
