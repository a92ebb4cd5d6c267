package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Bounds on the work a stored Django hash may ask for, so that a planted row cannot make a
// login run for minutes: ten times Django 5.2's 1,000,000 PBKDF2 iterations, and 16 times
// its bcrypt cost of 12.
const (
	maxPBKDF2Iterations = 10_000_000
	maxBcryptCost       = 16
)

// pbkdf2Digests are the PBKDF2 hashers of Django's default PASSWORD_HASHERS.
var pbkdf2Digests = map[string]func() hash.Hash{
	"pbkdf2_sha256": sha256.New,
	"pbkdf2_sha1":   sha1.New,
}

// djangoB64 is the padded standard base64 of Django's PBKDF2 hashes, strict so that it
// accepts only what Django's own string comparison would.
var djangoB64 = base64.StdEncoding.Strict()

// verifyDjango checks password against a hash Django's contrib.auth wrote, `<algorithm>$...`:
//
//   - pbkdf2_sha256 and pbkdf2_sha1: `<algorithm>$<iterations>$<salt>$<base64 key>`, with any
//     iteration count up to maxPBKDF2Iterations;
//   - bcrypt_sha256: `bcrypt_sha256$$2b$<cost>$<salt and hash>`, bcrypt over the hex SHA-256
//     of the password (BCryptSHA256PasswordHasher), cost up to maxBcryptCost;
//   - argon2: `argon2$argon2id$v=19$...` or the argon2i of Django before 3.2;
//   - `!...`: set_unusable_password's marker, which no password matches.
//
// Django's scrypt (4.0 and later), plain bcrypt and the unsalted or DES formats are refused
// as ErrMalformedHash: MxShop used none of them.
func verifyDjango(encoded, password string) (bool, error) {
	if strings.HasPrefix(encoded, "!") {
		return false, nil
	}
	algorithm, rest, _ := strings.Cut(encoded, "$")
	if digest, ok := pbkdf2Digests[algorithm]; ok {
		return verifyPBKDF2(digest, rest, password)
	}
	switch algorithm {
	case "bcrypt_sha256":
		return verifyBcryptSHA256(rest, password)
	case "argon2":
		// Django stores argon2-cffi's PHC string without its leading "$".
		h, err := parse("$" + rest)
		if err != nil {
			return false, err
		}
		return h.matches(password), nil
	}
	return false, fmt.Errorf("%w: unknown format", ErrMalformedHash)
}

// verifyPBKDF2 checks `<iterations>$<salt>$<base64 key>`. Django compares the whole encoded
// string, so an iteration count or key it would not have written never matches; those are
// refused here as malformed.
func verifyPBKDF2(digest func() hash.Hash, rest, password string) (bool, error) {
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return false, fmt.Errorf("%w: pbkdf2: want 3 fields after the algorithm, have %d", ErrMalformedHash, len(fields))
	}
	iterations, err := strconv.Atoi(fields[0])
	if err != nil || strconv.Itoa(iterations) != fields[0] || iterations < 1 || iterations > maxPBKDF2Iterations {
		return false, fmt.Errorf("%w: pbkdf2: iterations %q", ErrMalformedHash, fields[0])
	}
	salt := fields[1]
	if salt == "" {
		return false, fmt.Errorf("%w: pbkdf2: empty salt", ErrMalformedHash)
	}
	want, err := djangoB64.DecodeString(fields[2])
	if err != nil || len(want) != digest().Size() {
		return false, fmt.Errorf("%w: pbkdf2: bad key", ErrMalformedHash)
	}
	got, err := pbkdf2.Key(digest, password, []byte(salt), iterations, len(want))
	if err != nil {
		return false, fmt.Errorf("password: pbkdf2: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// verifyBcryptSHA256 checks bcrypt's own `$2b$<cost>$...` string. The SHA-256 step is
// Django's, against bcrypt's 72-byte truncation; the comparison is bcrypt's, in constant time.
func verifyBcryptSHA256(stored, password string) (bool, error) {
	cost, err := bcrypt.Cost([]byte(stored))
	if err != nil {
		return false, fmt.Errorf("%w: bcrypt: %w", ErrMalformedHash, err)
	}
	if cost > maxBcryptCost {
		return false, fmt.Errorf("%w: bcrypt: cost %d over %d", ErrMalformedHash, cost, maxBcryptCost)
	}
	sum := sha256.Sum256([]byte(password))
	switch err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(hex.EncodeToString(sum[:]))); {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("%w: bcrypt: %w", ErrMalformedHash, err)
	}
}
