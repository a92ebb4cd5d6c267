package password_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/password"
)

func TestHashIsPHCWithOWASPParameters(t *testing.T) {
	encoded, err := password.NewArgon2id(password.Config{Concurrency: 1}).Hash(context.Background(), "correct horse")
	require.NoError(t, err)
	// 16-byte salt: 22 base64 characters; 32-byte key: 43.
	assert.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), encoded)
	assert.NotContains(t, encoded, "correct horse")
}

func TestHashSaltsEachHash(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	a, err := h.Hash(context.Background(), "same password")
	require.NoError(t, err)
	b, err := h.Hash(context.Background(), "same password")
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
}

func TestVerify(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	encoded, err := h.Hash(context.Background(), "correct horse 电池")
	require.NoError(t, err)

	ok, err := h.Verify(context.Background(), encoded, "correct horse 电池")
	require.NoError(t, err)
	assert.True(t, ok, "right password")

	for _, wrong := range []string{"", "correct horse", "correct horse 电池 ", "Correct horse 电池"} {
		ok, err := h.Verify(context.Background(), encoded, wrong)
		require.NoError(t, err)
		assert.False(t, ok, "wrong password %q", wrong)
	}
}

func TestVerifyReadsParametersFromTheHash(t *testing.T) {
	// A hash with other parameters (as older rows will have once the defaults move) still
	// verifies. This one is the output of the reference C implementation:
	// echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e
	const reference = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"

	h := password.NewArgon2id(password.Config{Concurrency: 1})
	ok, err := h.Verify(context.Background(), reference, "password")
	require.NoError(t, err)
	assert.True(t, ok)

	ok, err = h.Verify(context.Background(), reference, "Password")
	require.NoError(t, err)
	assert.False(t, ok)
}

// previousHash is "correct horse" as this service hashed it before its parameters moved to
// m=7168,t=5 (OWASP's m=19456,t=2, with the Argon2 copy it had then).
const previousHash = "$argon2id$v=19$m=19456,t=2,p=1$R0MRjd4PYOiEL0oWK9Xvbg$7xBLOjDcw0EUDPy3BzMmZQBSxVmIzbj7O+Iy7P7eqb8"

func TestHashesOfThePreviousParametersVerifyAndAreUpgraded(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	ok, err := h.Verify(context.Background(), previousHash, "correct horse")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = h.Verify(context.Background(), previousHash, "correct horse ")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, h.NeedsRehash(previousHash))
}

func TestVerifyTamperedKeyIsAWrongPassword(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	encoded, err := h.Hash(context.Background(), "correct horse")
	require.NoError(t, err)

	// Flip one character in the middle of the key: still well-formed, no longer matching.
	i := len(encoded) - 10
	c := byte('A')
	if encoded[i] == 'A' {
		c = 'B'
	}
	tampered := encoded[:i] + string(c) + encoded[i+1:]
	ok, err := h.Verify(context.Background(), tampered, "correct horse")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestVerifyRejectsUnparsableHashes(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	good, err := h.Hash(context.Background(), "pw")
	require.NoError(t, err)
	parts := strings.Split(good, "$") // "", "argon2id", "v=19", params, salt, key
	salt, key := parts[4], parts[5]
	with := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }

	cases := map[string]string{
		"empty":                     "",
		"django pbkdf2, bad key":    "pbkdf2_sha256$260000$salt$hash",
		"argon2i":                   strings.Replace(good, "$argon2id$", "$argon2i$", 1),
		"version 16":                strings.Replace(good, "v=19", "v=16", 1),
		"missing key":               "$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"extra field":               good + "$x",
		"params out of order":       with("t=2,m=19456,p=1"),
		"params not numbers":        with("m=lots,t=2,p=1"),
		"negative param":            with("m=19456,t=-2,p=1"),
		"memory over 1 GiB":         with("m=1048577,t=2,p=1"),
		"memory under 8 KiB a lane": with("m=15,t=2,p=2"),
		"zero passes":               with("m=19456,t=0,p=1"),
		"absurd passes":             with("m=19456,t=100000,p=1"),
		"zero lanes":                with("m=19456,t=2,p=0"),
		"lanes beyond uint8":        with("m=19456,t=2,p=257"),
		"salt not base64":           "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key,
		"padded salt":               "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"short salt":                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key,
		"short key":                 "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5",
		"key cut mid-character":     good[:len(good)-2],
	}
	for name, encoded := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), encoded, "pw")
			require.ErrorIs(t, err, password.ErrMalformedHash)
			assert.False(t, ok)
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	current, err := h.Hash(context.Background(), "pw")
	require.NoError(t, err)
	assert.False(t, h.NeedsRehash(current), "what Hash makes is current")

	parts := strings.Split(current, "$") // "", "argon2id", "v=19", params, salt, key
	salt, key := parts[4], parts[5]
	for name, encoded := range map[string]string{
		"other parameters": "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo",
		"fewer passes":     "$argon2id$v=19$m=7168,t=4,p=1$" + salt + "$" + key,
		"less memory":      "$argon2id$v=19$m=6144,t=5,p=1$" + salt + "$" + key,
		"shorter salt":     "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHQ$" + key,
		"shorter key":      "$argon2id$v=19$m=7168,t=5,p=1$" + salt + "$AAAAAAAAAAAAAAAAAAAAAA",
		"malformed":        current + "$x",
		"empty":            "",
	} {
		assert.True(t, h.NeedsRehash(encoded), name)
	}
}
