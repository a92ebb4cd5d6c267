package contract_test

import (
	"crypto"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

// TestAccessTokens runs the access-token contract against every implementation, with each
// algorithm it signs with.
func TestAccessTokens(t *testing.T) {
	const ttl = 7 * 24 * time.Hour
	asymmetric := func(t *testing.T, keys contract.AccessTokenKeys, clock ports.Clock) contract.AccessTokenIssuer {
		previous := make([]jwttoken.VerificationKey, len(keys.Previous))
		for i, k := range keys.Previous {
			previous[i] = jwttoken.VerificationKey{Key: k}
		}
		tokens, err := jwttoken.NewAsymmetric(jwttoken.SigningKey{Signer: keys.Signing.(crypto.Signer)}, previous, ttl, clock)
		require.NoError(t, err)
		return tokens
	}
	implementations := map[string]struct {
		alg       string
		newTokens func(t *testing.T, keys contract.AccessTokenKeys, clock ports.Clock) contract.AccessTokenIssuer
	}{
		"hs256": {contract.AlgHS256, func(t *testing.T, keys contract.AccessTokenKeys, clock ports.Clock) contract.AccessTokenIssuer {
			return jwttoken.NewHS256(keys.Signing.([]byte), ttl, clock)
		}},
		"eddsa": {contract.AlgEdDSA, asymmetric},
		"rs256": {contract.AlgRS256, asymmetric},
	}
	for name, impl := range implementations {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			contract.AccessTokens(t, impl.alg, impl.newTokens)
		})
	}
}
