package jwttoken_test

import (
	"crypto"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/ports"
)

func benchTokens(b *testing.B) map[string]ports.AccessTokens {
	all := map[string]ports.AccessTokens{"HS256": jwttoken.NewHS256([]byte("bench secret"), time.Hour, fixedClock{issuedAt})}
	for name, signer := range map[string]crypto.Signer{"EdDSA": edKey(b), "RS256": rsaKey(b)} {
		tokens, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: signer}, nil, time.Hour, fixedClock{issuedAt})
		if err != nil {
			b.Fatal(err)
		}
		all[name] = tokens
	}
	return all
}

// Every login and registration issues a token.
func BenchmarkIssue(b *testing.B) {
	u := user(42, "user@example.com")
	for name, tokens := range benchTokens(b) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tokens.Issue(u, "session"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Every authenticated request verifies a token: the client's same token, request after
// request (BenchmarkVerifyFirstUse measures its first use).
func BenchmarkVerify(b *testing.B) {
	for name, tokens := range benchTokens(b) {
		b.Run(name, func(b *testing.B) {
			token, err := tokens.Issue(user(42, "user@example.com"), "session")
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := tokens.Verify(token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
