// Package jwttoken issues and verifies the HS256 access tokens of djangorestframework-jwt,
// so that the MxShop client and any Django app sharing the secret accept them.
package jwttoken

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.AccessTokens = (*HS256)(nil)

// HS256 implements ports.AccessTokens with HMAC-SHA256 JWTs.
type HS256 struct {
	secret []byte
	ttl    time.Duration
	clock  ports.Clock
	parser *jwt.Parser
}

// NewHS256 returns tokens signed with secret that expire ttl after issue, by clock's time.
// The secret should be long and random; it is what Django calls SECRET_KEY when the shop
// shares tokens with Django apps.
func NewHS256(secret []byte, ttl time.Duration, clock ports.Clock) *HS256 {
	return &HS256{
		secret: append([]byte(nil), secret...),
		ttl:    ttl,
		clock:  clock,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithTimeFunc(clock.Now),
			jwt.WithExpirationRequired(),
			// Numbers as json.Number, so that user_id keeps its integer precision.
			jwt.WithJSONNumber(),
		),
	}
}

// Issue returns a token with djangorestframework-jwt's payload: user_id, username, exp,
// email (null when unset) and iat.
func (h *HS256) Issue(user *domain.User) (string, error) {
	now := h.clock.Now()
	var email any // JSON null, as Django serialises an empty email field
	if user.Email() != "" {
		email = user.Email()
	}
	claims := jwt.MapClaims{
		"user_id":  user.ID(),
		"username": user.Username(),
		"exp":      now.Add(h.ttl).Unix(),
		"email":    email,
		"iat":      now.Unix(),
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(h.secret)
	if err != nil {
		return "", fmt.Errorf("jwttoken: signing: %w", err)
	}
	return token, nil
}

// Verify returns the user id of a valid token. Failures follow PyJWT, which the original
// service answered with: a malformed token or a bad signature is domain.ErrJWTDecode; an
// expired one (exp <= now, no leeway) domain.ErrJWTExpired; another algorithm (even with
// the right secret, and "none"), a missing exp or user_id, or any other invalid claim
// domain.ErrJWTInvalid. The signature is checked before any claim, so a forged token never
// learns whether it would have been expired.
func (h *HS256) Verify(token string) (int64, error) {
	parsed, err := h.parser.Parse(token, func(*jwt.Token) (any, error) { return h.secret, nil })
	if err != nil {
		return 0, classify(parsed, err)
	}
	claims, ok := parsed.Claims.(jwt.MapClaims)
	if !ok {
		return 0, fmt.Errorf("%w: unexpected claims type %T", domain.ErrJWTInvalid, parsed.Claims)
	}
	n, ok := claims["user_id"].(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: user_id missing or not a number", domain.ErrJWTInvalid)
	}
	id, err := n.Int64()
	if err != nil {
		return 0, fmt.Errorf("%w: user_id not an integer", domain.ErrJWTInvalid)
	}
	return id, nil
}

// classify maps golang-jwt's errors to PyJWT's three outcomes, keeping the cause for logs.
func classify(parsed *jwt.Token, err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: %w", domain.ErrJWTDecode, err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// Unknown or missing alg: PyJWT's InvalidAlgorithmError.
		return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// golang-jwt reports an algorithm outside WithValidMethods as a bad signature too;
		// PyJWT rejects it before looking at the signature, as an invalid token.
		if alg, _ := parsed.Header["alg"].(string); alg != jwt.SigningMethodHS256.Alg() {
			return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
		}
		return fmt.Errorf("%w: %w", domain.ErrJWTDecode, err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Errorf("%w: %w", domain.ErrJWTExpired, err)
	default:
		return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
	}
}
