package password_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/phoneauth/phoneauth/adapters/password"
)

// Passwords of the published vectors: passlib's UPASS_LETMEIN and UPASS_TABLE.
const (
	letmein = "l\u00e8tmein"
	table   = "t\u00e1\u0411\u2113\u0259"
)

// djangoPBKDF2 is Django's PBKDF2PasswordHasher.encode, written out from RFC 8018 §5.2 rather
// than with the package under test's PBKDF2, so that the two are checked against each other.
func djangoPBKDF2(algorithm string, newHash func() hash.Hash, pw, salt string, iterations int) string {
	prf := hmac.New(newHash, []byte(pw))
	size := prf.Size()
	// Django's key is one digest long, so one block: T_1 = U_1 xor ... xor U_c.
	prf.Write([]byte(salt))
	prf.Write([]byte{0, 0, 0, 1})
	u := prf.Sum(nil)
	t := append([]byte(nil), u...)
	for range iterations - 1 {
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(u[:0])
		for i := range t {
			t[i] ^= u[i]
		}
	}
	return algorithm + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(t[:size])
}

// djangoSalt is what Django's salt() returns: 22 random letters and digits (128 bits).
func djangoSalt(t *testing.T) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 22)
	_, err := rand.Read(b)
	require.NoError(t, err)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// The reference encoder reproduces hashes Django itself made: the vector of Django's
// test_hashers.py (Django 4.2–5.0) and those passlib checks against Django.
func TestDjangoPBKDF2ReferenceMatchesDjango(t *testing.T) {
	for _, v := range []struct {
		pw, salt   string
		iterations int
		want       string
	}{
		{letmein, "seasalt", 600000, "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA="},
		{"not a password", "kjVJaVz6qsnJ", 10000, "pbkdf2_sha256$10000$kjVJaVz6qsnJ$5yPHw3rwJGECpUf70daLGhOrQ5+AMxIJdz1c3bqK1Rs="},
		{table, "bEwAfNrH1TlQ", 10000, "pbkdf2_sha256$10000$bEwAfNrH1TlQ$OgYUblFNUX1B8GfMqaCYUK/iHyO0pa7STTDdaEJBuY0="},
	} {
		assert.Equal(t, v.want, djangoPBKDF2("pbkdf2_sha256", sha256.New, v.pw, v.salt, v.iterations))
	}
}

func TestVerifyDjangoVectors(t *testing.T) {
	t.Parallel()
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	for _, v := range []struct{ pw, encoded string }{
		{letmein, "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA="},
		{"not a password", "pbkdf2_sha256$10000$kjVJaVz6qsnJ$5yPHw3rwJGECpUf70daLGhOrQ5+AMxIJdz1c3bqK1Rs="},
		{table, "pbkdf2_sha256$10000$bEwAfNrH1TlQ$OgYUblFNUX1B8GfMqaCYUK/iHyO0pa7STTDdaEJBuY0="},
		{"not a password", "pbkdf2_sha1$10000$wz5B6WkasRoF$atJmJ1o+XfJxKq1+Nu1f1i57Z5I="},
		{"", "bcrypt_sha256$$2a$06$/3OeRpbOf8/l6nPPRdZPp.nRiyYqPobEZGdNRBWihQhiFDh1ws1tu"},
		{letmein, "bcrypt_sha256$$2a$08$NDjSAIcas.EcoxCRiArvT.MkNiPYVhrsrnJsRkLueZOoV1bsQqlmC"},
		{table, "bcrypt_sha256$$2a$06$kCXUnRFQptGg491siDKNTu8RxjBGSjALHRuvhPYNFsa4Ea5d9M48u"},
		// Past bcrypt's 72 bytes, the SHA-256 step still tells these apart (one salt, three hashes).
		{strings.Repeat("abc123", 12), "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61OySmyXA8FoY4PjGizjE1QSDfuL5MXNni"},
		{strings.Repeat("abc123", 12) + "qwr", "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61Ocy0BEz1RK6xslSNi8PlaLX2pe7x/KQG"},
		{strings.Repeat("abc123", 12) + "xyz", "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61OvY2zoRVUa2Pugv2ExVOUT2YmhvxUFUa"},
		{"password", "argon2$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A"},
		{"password", "argon2$argon2i$v=19$m=380,t=2,p=2$c29tZXNhbHQ$SrssP8n7m/12VWPM8dvNrw"},
		{letmein, "argon2$argon2i$v=19$m=512,t=2,p=2$V25jN1l4UUJZWkR1$MxpA1BD2Gh7+D79gaAw6sQ"},
		// The reference implementation's argon2id vector, as Django 3.2+ stores it.
		{"password", "argon2$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"},
	} {
		ok, err := h.Verify(context.Background(), v.encoded, v.pw)
		require.NoError(t, err, v.encoded)
		assert.True(t, ok, "%q against %s", v.pw, v.encoded)

		ok, err = h.Verify(context.Background(), v.encoded, "x"+v.pw)
		require.NoError(t, err, v.encoded)
		assert.False(t, ok, "wrong password against %s", v.encoded)
		assert.True(t, h.NeedsRehash(v.encoded), "%s is not this hasher's Argon2id", v.encoded)
	}
}

// Hashes made as each Django version made them for MxShop's users: 36000 iterations is
// Django 1.11's default, 260000 Django 3.2's, 600000 Django 4.2's.
func TestVerifyDjangoPBKDF2AtAnyIterationCount(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	const pw = "correct horse 电池"
	for _, iterations := range []int{1, 1000, 36000, 260000, 600000} {
		t.Run(strconv.Itoa(iterations), func(t *testing.T) {
			t.Parallel()
			encoded := djangoPBKDF2("pbkdf2_sha256", sha256.New, pw, djangoSalt(t), iterations)
			ok, err := h.Verify(context.Background(), encoded, pw)
			require.NoError(t, err)
			assert.True(t, ok)
			for _, wrong := range []string{"", "correct horse", pw + " ", "Correct horse 电池"} {
				ok, err := h.Verify(context.Background(), encoded, wrong)
				require.NoError(t, err)
				assert.False(t, ok, "wrong password %q", wrong)
			}
			assert.True(t, h.NeedsRehash(encoded))
		})
	}
}

// Django 3.1+ with python-bcrypt writes $2b$; x/crypto writes $2a$, the same for a 64-byte input.
func TestVerifyDjangoBcryptSHA256(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	const pw = "correct horse 电池"
	sum := sha256.Sum256([]byte(pw))
	made, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(sum[:])), bcrypt.MinCost)
	require.NoError(t, err)
	for _, encoded := range []string{"bcrypt_sha256$" + string(made), "bcrypt_sha256$" + strings.Replace(string(made), "$2a$", "$2b$", 1)} {
		ok, err := h.Verify(context.Background(), encoded, pw)
		require.NoError(t, err)
		assert.True(t, ok, encoded)
		ok, err = h.Verify(context.Background(), encoded, "correct horse")
		require.NoError(t, err)
		assert.False(t, ok, encoded)
		assert.True(t, h.NeedsRehash(encoded))
	}
}

// Django's set_unusable_password writes "!" and random characters: no password matches, and
// that is an answer, not a corrupt row.
func TestVerifyDjangoUnusablePassword(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	for _, encoded := range []string{"!", "!Xk3nT9vQ2mW8pL5rA7sD1fG4hJ6kZ0xC9vB2nM5q"} {
		ok, err := h.Verify(context.Background(), encoded, "")
		require.NoError(t, err)
		assert.False(t, ok)
		ok, err = h.Verify(context.Background(), encoded, encoded[1:])
		require.NoError(t, err)
		assert.False(t, ok)
	}
}

func TestVerifyRejectsMalformedDjangoHashes(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	bcryptHash := "$2b$04$" + strings.Repeat("a", 53)
	cases := map[string]string{
		"unknown algorithm":         "md5$salt$0123456789abcdef0123456789abcdef",
		"scrypt":                    "scrypt$salt$16384$8$1$" + key,
		"plain bcrypt":              "bcrypt" + "$" + bcryptHash,
		"pbkdf2 missing key":        "pbkdf2_sha256$1000$salt",
		"pbkdf2 extra field":        "pbkdf2_sha256$1000$salt$" + key + "$x",
		"pbkdf2 zero iterations":    "pbkdf2_sha256$0$salt$" + key,
		"pbkdf2 negative":           "pbkdf2_sha256$-1000$salt$" + key,
		"pbkdf2 signed":             "pbkdf2_sha256$+1000$salt$" + key,
		"pbkdf2 leading zero":       "pbkdf2_sha256$01000$salt$" + key,
		"pbkdf2 not a number":       "pbkdf2_sha256$many$salt$" + key,
		"pbkdf2 over the bound":     "pbkdf2_sha256$10000001$salt$" + key,
		"pbkdf2 beyond int":         "pbkdf2_sha256$99999999999999999999$salt$" + key,
		"pbkdf2 empty salt":         "pbkdf2_sha256$1000$$" + key,
		"pbkdf2 key not base64":     "pbkdf2_sha256$1000$salt$!!!!",
		"pbkdf2 unpadded key":       "pbkdf2_sha256$1000$salt$" + strings.TrimRight(key, "="),
		"pbkdf2 short key":          "pbkdf2_sha256$1000$salt$" + base64.StdEncoding.EncodeToString(make([]byte, 20)),
		"pbkdf2_sha1 sha256 key":    "pbkdf2_sha1$1000$salt$" + key,
		"bcrypt_sha256 garbage":     "bcrypt_sha256$garbage",
		"bcrypt_sha256 one dollar":  "bcrypt_sha256" + bcryptHash[1:],
		"bcrypt_sha256 short":       "bcrypt_sha256$$2b$12$short",
		"bcrypt_sha256 cost 17":     "bcrypt_sha256$$2b$17$" + strings.Repeat("a", 53),
		"bcrypt_sha256 cost 3":      "bcrypt_sha256$$2b$03$" + strings.Repeat("a", 53),
		"bcrypt_sha256 version 3":   "bcrypt_sha256$$3b$04$" + strings.Repeat("a", 53),
		"bcrypt_sha256 bad base64":  "bcrypt_sha256$$2b$04$" + strings.Repeat("!", 53),
		"argon2d":                   "argon2$argon2d$v=19$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A",
		"argon2 version 16":         "argon2$argon2i$v=16$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A",
		"argon2 without version":    "argon2$argon2i$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A",
		"argon2 memory over 1 GiB":  "argon2$argon2id$v=19$m=1048577,t=2,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A",
		"argon2 with a dollar more": "argon2$$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A",
	}
	for name, encoded := range cases {
		t.Run(name, func(t *testing.T) {
			started := time.Now()
			ok, err := h.Verify(context.Background(), encoded, "pw")
			require.ErrorIs(t, err, password.ErrMalformedHash)
			assert.False(t, ok)
			assert.Less(t, time.Since(started), time.Second, "refused before any expensive work")
			assert.True(t, h.NeedsRehash(encoded))
		})
	}
}

// The bound itself is accepted: a shop may have raised the iterations that far.
func TestVerifyDjangoPBKDF2AtTheBound(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million iterations take a second or two")
	}
	t.Parallel()
	encoded := "pbkdf2_sha256$10000000$salt$" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	ok, err := password.NewArgon2id(password.Config{Concurrency: 1}).Verify(context.Background(), encoded, "pw")
	require.NoError(t, err)
	assert.False(t, ok)
}
