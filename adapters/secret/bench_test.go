package secret_test

import (
	"testing"

	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/domain"
)

func BenchmarkCodeHash(b *testing.B) {
	s := secret.New(secret.DeriveKey([]byte("bench secret"), "verification-code"))
	for b.Loop() {
		s.CodeHash(domain.PurposeLogin, "13800000000", "123456")
	}
}
