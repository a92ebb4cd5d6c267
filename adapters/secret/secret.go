// Package secret makes the random secrets the service hands out (verification codes, API
// keys) and the hashes under which they are stored.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.Secrets = (*Secrets)(nil)

// apiKeyBytes gives 160 bits of entropy, printed as 40 hex characters like DRF's authtoken keys.
const apiKeyBytes = 20

// Secrets implements ports.Secrets with crypto/rand and SHA-256.
type Secrets struct {
	codeKey []byte
}

// New returns Secrets that hash codes under codeKey. The key keeps a stolen code table
// from being brute-forced offline: a 6-digit code has only a million values.
func New(codeKey []byte) *Secrets {
	return &Secrets{codeKey: append([]byte(nil), codeKey...)}
}

// DeriveKey derives a key for one purpose from a master secret, so that one configured
// secret (JWT_SECRET) can serve several uses without one use revealing another's key.
func DeriveKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// NewCode returns digits uniformly random decimal digits.
func (s *Secrets) NewCode(digits int) (string, error) {
	if digits < 1 {
		return "", fmt.Errorf("secret: code length %d, want at least 1", digits)
	}
	code := make([]byte, 0, digits)
	// A few spare bytes so that rejected draws rarely need a second read.
	buf := make([]byte, digits+8)
	for len(code) < digits {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("secret: reading randomness: %w", err)
		}
		for _, b := range buf {
			// 250 is the largest multiple of 10 below 256: rejecting 250..255 removes
			// the bias that b%10 alone would give to the digits 0..5.
			if b < 250 && len(code) < digits {
				code = append(code, '0'+b%10)
			}
		}
	}
	return string(code), nil
}

// NewAPIKey returns 40 random lowercase hex characters.
func (s *Secrets) NewAPIKey() (string, error) {
	b := make([]byte, apiKeyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("secret: reading randomness: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CodeHash is HMAC-SHA256 under the code key of purpose + NUL + mobile + ":" + code:
// binding the purpose and the mobile makes a code valid only for what and where it was
// sent. A registration code keeps the form codes had before purposes (mobile + ":" +
// code), so that codes sent by a replica of the previous release still verify during a
// rolling upgrade; no mobile holds a NUL, so the forms cannot collide.
func (s *Secrets) CodeHash(purpose domain.Purpose, mobile, code string) []byte {
	mac := hmac.New(sha256.New, s.codeKey)
	if purpose != domain.PurposeRegister {
		mac.Write([]byte(purpose))
		mac.Write([]byte{0})
	}
	mac.Write([]byte(mobile))
	mac.Write([]byte{':'})
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// APIKeyHash is SHA-256 of the key. No key is needed: API keys carry 160 random bits,
// so an unkeyed hash cannot be reversed by guessing.
func (s *Secrets) APIKeyHash(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:]
}
