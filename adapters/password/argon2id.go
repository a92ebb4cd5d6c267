// Package password hashes passwords with Argon2id and stores them in the PHC string format.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.PasswordHasher = (*Argon2id)(nil)

// Parameters of new hashes: OWASP's recommended Argon2id configuration
// (19 MiB, two passes, one lane). Stored hashes carry their own parameters.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

// Bounds on parameters read back from a stored hash, so that a corrupt or planted row
// cannot make one login allocate gigabytes or run for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxPasses    = 64
	maxLanes     = 64
	minSaltLen   = 8
	minKeyLen    = 16
	maxKeyLen    = 128
	maxSaltLen   = 128
)

const prefix = "$argon2id$"

// b64 rejects non-canonical encodings, so that one stored hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// ErrMalformedHash means a stored hash is not an Argon2id PHC string this package can check.
var ErrMalformedHash = errors.New("password: malformed argon2id hash")

// Argon2id implements ports.PasswordHasher.
type Argon2id struct{}

// NewArgon2id returns a hasher that makes OWASP-strength Argon2id hashes.
func NewArgon2id() *Argon2id { return &Argon2id{} }

// Hash returns `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>` with a fresh random salt,
// salt and key in unpadded standard base64 as the PHC format prescribes.
func (*Argon2id) Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", prefix, argon2.Version, memoryKiB, passes, lanes,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against encoded with the parameters encoded names, so hashes made
// with older parameters keep working. A wrong password is (false, nil); an encoded value that
// cannot be parsed is an error wrapping ErrMalformedHash.
func (*Argon2id) Verify(encoded, password string) (bool, error) {
	h, err := parse(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.passes, h.memory, h.lanes, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

type hash struct {
	memory, passes uint32
	lanes          uint8
	salt, key      []byte
}

func parse(encoded string) (hash, error) {
	rest, ok := strings.CutPrefix(encoded, prefix)
	if !ok {
		return hash{}, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformedHash)
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 4 {
		return hash{}, fmt.Errorf("%w: want 4 fields after the algorithm, have %d", ErrMalformedHash, len(fields))
	}
	if fields[0] != "v="+strconv.Itoa(argon2.Version) {
		return hash{}, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, fields[0])
	}
	m, t, p, err := parseParams(fields[1])
	if err != nil {
		return hash{}, err
	}
	h := hash{memory: m, passes: t, lanes: uint8(p)}
	if h.salt, err = b64.DecodeString(fields[2]); err != nil || len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return hash{}, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	if h.key, err = b64.DecodeString(fields[3]); err != nil || len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return hash{}, fmt.Errorf("%w: bad key", ErrMalformedHash)
	}
	return h, nil
}

// parseParams reads "m=<KiB>,t=<passes>,p=<lanes>" in that order, as the PHC format fixes it.
func parseParams(s string) (m, t, p uint32, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
	}
	vals := [3]uint32{}
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(parts[i], name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return 0, 0, 0, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
		}
		vals[i] = uint32(n)
	}
	m, t, p = vals[0], vals[1], vals[2]
	switch {
	case p < 1 || p > maxLanes:
		return 0, 0, 0, fmt.Errorf("%w: parallelism %d out of range", ErrMalformedHash, p)
	case t < 1 || t > maxPasses:
		return 0, 0, 0, fmt.Errorf("%w: passes %d out of range", ErrMalformedHash, t)
	case m < 8*p || m > maxMemoryKiB:
		// Argon2 needs 8 KiB per lane; below that x/crypto would silently raise it.
		return 0, 0, 0, fmt.Errorf("%w: memory %d KiB out of range", ErrMalformedHash, m)
	}
	return m, t, p, nil
}
