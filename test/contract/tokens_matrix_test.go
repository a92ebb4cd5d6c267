package contract_test

import (
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

// TestAccessTokens runs the access-token contract against every implementation.
func TestAccessTokens(t *testing.T) {
	implementations := map[string]func(t *testing.T, secret []byte, clock ports.Clock) ports.AccessTokens{
		"hs256": func(t *testing.T, secret []byte, clock ports.Clock) ports.AccessTokens {
			return jwttoken.NewHS256(secret, 7*24*time.Hour, clock)
		},
	}
	for name, newTokens := range implementations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			contract.AccessTokens(t, newTokens)
		})
	}
}
