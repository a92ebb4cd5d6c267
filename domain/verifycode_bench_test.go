package domain_test

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/domain"
)

// Every registration checks the submitted code's hash against the stored one.
func BenchmarkVerifyCode(b *testing.B) {
	policy, err := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	if err != nil {
		b.Fatal(err)
	}
	mobile, err := policy.Parse("13800000000")
	if err != nil {
		b.Fatal(err)
	}
	right := sha256.Sum256([]byte("123456"))
	wrong := sha256.Sum256([]byte("654321"))
	sent := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	now := sent.Add(time.Minute)

	b.Run("match", func(b *testing.B) {
		vc, err := domain.NewVerifyCode(mobile, bytes.Clone(right[:]), sent, 5*time.Minute, 5)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := vc.Verify(right[:], now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mismatch", func(b *testing.B) {
		for b.Loop() {
			// A code as loaded from the store, so that the attempt budget never runs out.
			vc := domain.UnmarshalVerifyCodeFromDatabase(mobile.String(), right[:], sent, sent.Add(5*time.Minute), 0, 5, false)
			if err := vc.Verify(wrong[:], now); err == nil {
				b.Fatal("a wrong code verified")
			}
		}
	})
}
