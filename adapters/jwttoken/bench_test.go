package jwttoken_test

import (
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
)

// Every login and registration issues a token.
func BenchmarkHS256Issue(b *testing.B) {
	tokens := jwttoken.NewHS256([]byte("bench secret"), time.Hour, fixedClock{issuedAt})
	u := user(42, "user@example.com")
	for b.Loop() {
		if _, err := tokens.Issue(u); err != nil {
			b.Fatal(err)
		}
	}
}

// Every authenticated request verifies a token.
func BenchmarkHS256Verify(b *testing.B) {
	tokens := jwttoken.NewHS256([]byte("bench secret"), time.Hour, fixedClock{issuedAt})
	token, err := tokens.Issue(user(42, "user@example.com"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tokens.Verify(token); err != nil {
			b.Fatal(err)
		}
	}
}
