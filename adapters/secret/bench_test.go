package secret_test

import (
	"testing"

	"github.com/phoneauth/phoneauth/adapters/secret"
)

func BenchmarkCodeHash(b *testing.B) {
	s := secret.New(secret.DeriveKey([]byte("bench secret"), "verification-code"))
	for b.Loop() {
		s.CodeHash("13800000000", "123456")
	}
}
