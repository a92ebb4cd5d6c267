package jwttoken

import (
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var (
	_ ports.AccessTokens = (*HS256)(nil)
	_ ports.KeySet       = (*HS256)(nil)
)

// hs256Only is the one algorithm HS256 accepts.
var hs256Only = []string{jwt.SigningMethodHS256.Alg()}

// HS256 implements ports.AccessTokens with HMAC-SHA256 JWTs, as djangorestframework-jwt
// made them. Safe for concurrent use.
type HS256 struct {
	secret   []byte
	ttl      time.Duration
	clock    ports.Clock
	parser   *jwt.Parser
	verified *verifiedTokens
}

// NewHS256 returns tokens signed with secret that expire ttl after issue, by clock's time.
// The secret should be long and random; it is what Django calls SECRET_KEY when the shop
// shares tokens with Django apps.
func NewHS256(secret []byte, ttl time.Duration, clock ports.Clock) *HS256 {
	return &HS256{
		secret:   append([]byte(nil), secret...),
		ttl:      ttl,
		clock:    clock,
		parser:   newParser(hs256Only, clock),
		verified: newVerifiedTokens(),
	}
}

// Issue returns a token with djangorestframework-jwt's header and payload, plus iat, jti,
// ver and sid (when session is set). The header has no kid: there is one secret.
func (h *HS256) Issue(user *domain.User, session string) (string, error) {
	return issue(jwt.SigningMethodHS256, h.secret, "", h.ttl, h.clock.Now(), user, session)
}

// Verify returns what a valid token says; a kid in its header is ignored. Errors are those
// of the port, with PyJWT's verdicts (see verify).
func (h *HS256) Verify(token string) (domain.AccessClaims, error) {
	return h.verified.verify(token, h.clock.Now(), h.verifyFully)
}

// verifyFully checks a token's signature and claims.
func (h *HS256) verifyFully(token string) (domain.AccessClaims, error) {
	return verify(h.parser, hs256Only, token, func(*jwt.Token) (any, error) { return h.secret, nil })
}

// JWKS is an empty key set: a shared secret is never published.
func (*HS256) JWKS() []byte { return []byte(`{"keys":[]}`) }
