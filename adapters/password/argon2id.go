// Package password hashes passwords with Argon2id, stored in the PHC string format, and
// checks them against those hashes and against the Django formats of users imported from
// the original shop (see django.go), so that they log in without a password reset and get
// an Argon2id hash at that first login.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.PasswordHasher = (*Argon2id)(nil)

// Parameters of new hashes: the OWASP Argon2id setting of 7 MiB and five passes, one lane,
// as strong as its 19 MiB and two. x/crypto allocates m per hash on the Go heap, and the
// garbage collector lets the heap grow to twice what is live: with 19 MiB, 64 concurrent
// logins took the service to 146 MiB; with 7 MiB, to 71-81 MiB (docs/PERFORMANCE.md).
// Stored hashes carry their own parameters; others are upgraded at the next login.
const (
	memoryKiB = 7 * 1024
	passes    = 5
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

// Argon2 variants in PHC strings: this package makes argon2id; Django's Argon2 hasher made
// argon2i before Django 3.2.
const (
	variantID = "argon2id"
	variantI  = "argon2i"
)

const prefix = "$" + variantID + "$"

// b64 rejects non-canonical encodings, so that one stored hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// ErrMalformedHash means a stored hash is in no format this package can check, or has
// parameters outside its bounds.
var ErrMalformedHash = errors.New("password: malformed or unsupported hash")

// Config sizes a hasher.
type Config struct {
	// Concurrency is how many hashes run at once (at least 1); the others wait their turn.
	// One per core is enough: more would not finish sooner, and each holds its memory
	// (m KiB) until it ends.
	Concurrency int
	// QueueTimeout is the longest a hash waits for a slot; past it the hash is not run and
	// the caller gets domain.ErrBusy, with Retry-After seconds as its param. Zero waits as
	// long as ctx lives.
	QueueTimeout time.Duration
	// Waited, when set, is told how long each hash waited for its slot, and whether it
	// was shed (ErrBusy) rather than run. A wait that ctx ended is not reported.
	Waited func(wait time.Duration, shed bool)
}

// Argon2id implements ports.PasswordHasher: it makes Argon2id hashes and reads them and the
// Django formats.
type Argon2id struct {
	turns   chan struct{} // a slot per hash running
	timeout time.Duration
	busy    error
	waited  func(time.Duration, bool)
}

// NewArgon2id returns a hasher that makes OWASP-strength Argon2id hashes, cfg.Concurrency
// at a time.
func NewArgon2id(cfg Config) *Argon2id {
	waited := cfg.Waited
	if waited == nil {
		waited = func(time.Duration, bool) {}
	}
	return &Argon2id{
		turns:   make(chan struct{}, max(cfg.Concurrency, 1)),
		timeout: cfg.QueueTimeout,
		busy:    domain.ErrBusy.WithParam(RetryAfter(cfg.QueueTimeout)),
		waited:  waited,
	}
}

// RetryAfter is the Retry-After of a hash shed after waiting timeout: whole seconds,
// rounded up, at least 1. A client that waited that long saw a queue at least that long;
// coming back sooner would most likely join the same queue.
func RetryAfter(timeout time.Duration) string {
	return strconv.Itoa(max(int((timeout+time.Second-1)/time.Second), 1))
}

// turn waits for a slot, while ctx is live and for at most the queue timeout, and holds it
// until done is called.
func (a *Argon2id) turn(ctx context.Context) (done func(), err error) {
	start := time.Now()
	select {
	case a.turns <- struct{}{}:
	default:
		var expired <-chan time.Time
		if a.timeout > 0 {
			timer := time.NewTimer(a.timeout)
			defer timer.Stop()
			expired = timer.C
		}
		select {
		case a.turns <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			a.waited(time.Since(start), true)
			return nil, a.busy
		}
	}
	done = func() { <-a.turns }
	// A request that ended while it waited must not start a hash.
	if err := ctx.Err(); err != nil {
		done()
		return nil, err
	}
	a.waited(time.Since(start), false)
	return done, nil
}

// Hash returns `$argon2id$v=19$m=7168,t=5,p=1$<salt>$<key>` with a fresh random salt,
// salt and key in unpadded standard base64 as the PHC format prescribes.
func (a *Argon2id) Hash(ctx context.Context, password string) (string, error) {
	done, err := a.turn(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, passes, memoryKiB, lanes, keyLen)
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", prefix, argon2.Version, memoryKiB, passes, lanes,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against encoded, in constant time: an Argon2id PHC string, with
// the parameters it names so that hashes made with older parameters keep working, or a hash
// of Django's pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256 or argon2 hashers (see
// verifyDjango). A wrong password is (false, nil), and so is Django's unusable password
// ("!..."); an encoded value that cannot be parsed, or asks for more work than the bounds
// allow, is an error wrapping ErrMalformedHash.
func (a *Argon2id) Verify(ctx context.Context, encoded, password string) (bool, error) {
	done, err := a.turn(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	if !strings.HasPrefix(encoded, prefix) {
		return verifyDjango(encoded, password)
	}
	h, err := parse(encoded)
	if err != nil {
		return false, err
	}
	return h.matches(password), nil
}

// NeedsRehash is true for every hash Hash would not make: another format, or Argon2id with
// other parameters (weaker or stronger: the current ones are the policy).
func (*Argon2id) NeedsRehash(encoded string) bool {
	if !strings.HasPrefix(encoded, prefix) {
		return true
	}
	h, err := parse(encoded)
	return err != nil || h.memory != memoryKiB || h.passes != passes || h.lanes != lanes ||
		len(h.salt) != saltLen || len(h.key) != keyLen
}

// phc is a parsed Argon2 PHC string.
type phc struct {
	variant        string
	memory, passes uint32
	lanes          uint8
	salt, key      []byte
}

func (h phc) matches(password string) bool {
	derive := argon2.IDKey
	if h.variant == variantI {
		derive = argon2.Key
	}
	key := derive([]byte(password), h.salt, h.passes, h.memory, h.lanes, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// parse reads `$<variant>$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>` for variant
// argon2id or argon2i.
func parse(encoded string) (phc, error) {
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return phc{}, fmt.Errorf("%w: not an argon2 PHC string", ErrMalformedHash)
	}
	if fields[1] != variantID && fields[1] != variantI {
		return phc{}, fmt.Errorf("%w: argon2 variant %q", ErrMalformedHash, fields[1])
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, fields[2])
	}
	m, t, p, err := parseParams(fields[3])
	if err != nil {
		return phc{}, err
	}
	h := phc{variant: fields[1], memory: m, passes: t, lanes: uint8(p)}
	if h.salt, err = b64.DecodeString(fields[4]); err != nil || len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return phc{}, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	if h.key, err = b64.DecodeString(fields[5]); err != nil || len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return phc{}, fmt.Errorf("%w: bad key", ErrMalformedHash)
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
