package secret_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/domain"
)

func TestNewCodeHasExactlyNDigits(t *testing.T) {
	s := secret.New([]byte("k"))
	for _, n := range []int{1, 4, 6, 8, 32} {
		digits := regexp.MustCompile(`^[0-9]+$`)
		for range 200 {
			code, err := s.NewCode(n)
			require.NoError(t, err)
			require.Len(t, code, n)
			require.Regexp(t, digits, code)
		}
	}
}

func TestNewCodeDigitsAreUniform(t *testing.T) {
	s := secret.New([]byte("k"))
	const draws, length = 50000, 10
	var counts [10]float64
	for range draws {
		code, err := s.NewCode(length)
		require.NoError(t, err)
		for _, c := range code {
			counts[c-'0']++
		}
	}
	// Chi-square with 9 degrees of freedom: a uniform source exceeds 60 with probability
	// about 1e-9, while the bias of a plain byte%10 would score about 180 on this sample.
	expected := float64(draws*length) / 10
	var chi2 float64
	for d, n := range counts {
		require.NotZero(t, n, "digit %d never drawn", d)
		chi2 += (n - expected) * (n - expected) / expected
	}
	assert.Less(t, chi2, 60.0, "digit counts %v", counts)
}

func TestNewCodeRejectsNonPositiveLength(t *testing.T) {
	s := secret.New([]byte("k"))
	for _, n := range []int{0, -1} {
		_, err := s.NewCode(n)
		assert.Error(t, err)
	}
}

func TestNewCodeIsNotRepeated(t *testing.T) {
	s := secret.New([]byte("k"))
	seen := map[string]bool{}
	for range 100 {
		code, err := s.NewCode(16)
		require.NoError(t, err)
		require.False(t, seen[code], "code %s drawn twice", code)
		seen[code] = true
	}
}

func TestNewAPIKeyIs40LowercaseHex(t *testing.T) {
	s := secret.New(nil)
	shape := regexp.MustCompile(`^[0-9a-f]{40}$`)
	seen := map[string]bool{}
	for range 100 {
		key, err := s.NewAPIKey()
		require.NoError(t, err)
		require.Regexp(t, shape, key)
		require.False(t, seen[key], "key drawn twice")
		seen[key] = true
	}
}

func TestCodeHashIsHMACOfPurposeMobileAndCode(t *testing.T) {
	key := []byte("code key")
	s := secret.New(key)
	register := domain.PurposeRegister

	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("13800000000:123456"))
	assert.Equal(t, mac.Sum(nil), s.CodeHash(register, "13800000000", "123456"), "a registration code hashes as before purposes")
	mac = hmac.New(sha256.New, key)
	mac.Write([]byte("login\x0013800000000:123456"))
	assert.Equal(t, mac.Sum(nil), s.CodeHash(domain.PurposeLogin, "13800000000", "123456"))

	for _, other := range []domain.Purpose{domain.PurposeLogin, domain.PurposeResetPassword, domain.PurposeChangeMobile} {
		assert.NotEqual(t, s.CodeHash(register, "13800000000", "123456"), s.CodeHash(other, "13800000000", "123456"), "bound to the purpose")
	}

	assert.Equal(t, s.CodeHash(register, "13800000000", "123456"), s.CodeHash(register, "13800000000", "123456"), "deterministic")
	assert.NotEqual(t, s.CodeHash(register, "13800000000", "123456"), s.CodeHash(register, "13800000001", "123456"), "bound to the mobile")
	assert.NotEqual(t, s.CodeHash(register, "13800000000", "123456"), s.CodeHash(register, "13800000000", "123457"))
	assert.NotEqual(t, s.CodeHash(register, "13800000000", "123456"), secret.New([]byte("other")).CodeHash(register, "13800000000", "123456"), "keyed")
}

func TestNewCopiesTheKey(t *testing.T) {
	key := []byte("code key")
	s := secret.New(key)
	register := domain.PurposeRegister
	want := s.CodeHash(register, "13800000000", "1234")
	key[0] = 'X'
	assert.Equal(t, want, s.CodeHash(register, "13800000000", "1234"))
}

func TestAPIKeyHashIsSHA256(t *testing.T) {
	s := secret.New([]byte("ignored"))
	sum := sha256.Sum256([]byte("0123456789abcdef0123456789abcdef01234567"))
	assert.Equal(t, sum[:], s.APIKeyHash("0123456789abcdef0123456789abcdef01234567"))
}

func TestDeriveKeyIsHMACOfPurpose(t *testing.T) {
	// RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
	got := secret.DeriveKey([]byte("Jefe"), "what do ya want for nothing?")
	assert.Equal(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", hex.EncodeToString(got))
	assert.NotEqual(t, secret.DeriveKey([]byte("s"), "code"), secret.DeriveKey([]byte("s"), "other"))
}
