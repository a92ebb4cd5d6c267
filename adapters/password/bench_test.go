package password_test

import (
	"context"
	"testing"

	"github.com/phoneauth/phoneauth/adapters/password"
)

// BenchmarkArgon2idVerify measures one login's hashing cost, which sizes the login rate a
// replica can sustain.
func BenchmarkArgon2idVerify(b *testing.B) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Verify(context.Background(), encoded, "correct horse battery staple"); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
