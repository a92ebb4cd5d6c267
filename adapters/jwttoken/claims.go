// Package jwttoken issues and verifies access tokens (JWT) with djangorestframework-jwt's
// payload, so that the MxShop client and any Django app sharing the secret accept them:
// HS256 with a shared secret (the default, as the original service), or EdDSA and RS256
// with a private key, whose public keys other services fetch as a JWKS document.
package jwttoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Claims beyond djangorestframework-jwt's user_id, username, exp and email.
const (
	claimVersion = "ver" // the user's token version: a password change ends older tokens
	claimSession = "sid" // the refresh token family the token belongs to
)

// tokenIDBytes is the size of a jti: 128 random bits never collide in practice.
const tokenIDBytes = 16

// newParser returns a parser that accepts only algs, with PyJWT's rules: exp required, no
// leeway, time from clock.
func newParser(algs []string, clock ports.Clock) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithTimeFunc(clock.Now),
		jwt.WithExpirationRequired(),
		// Numbers as json.Number, so that user_id keeps its integer precision.
		jwt.WithJSONNumber(),
	)
}

// issue signs a token for user with djangorestframework-jwt's payload (user_id, username,
// exp, and email, null when unset) plus iat, jti, ver and, when session is set, sid. A
// non-empty kid names the signing key in the header.
func issue(method jwt.SigningMethod, key any, kid string, ttl time.Duration, now time.Time, user *domain.User, session string) (string, error) {
	id := make([]byte, tokenIDBytes)
	if _, err := rand.Read(id); err != nil {
		return "", fmt.Errorf("jwttoken: token id: %w", err)
	}
	var email any // JSON null, as Django serialises an empty email field
	if user.Email() != "" {
		email = user.Email()
	}
	claims := jwt.MapClaims{
		"user_id":    user.ID(),
		"username":   user.Username(),
		"exp":        now.Add(ttl).Unix(),
		"email":      email,
		"iat":        now.Unix(),
		"jti":        base64.RawURLEncoding.EncodeToString(id),
		claimVersion: user.TokenVersion(),
	}
	if session != "" {
		claims[claimSession] = session
	}
	token := jwt.NewWithClaims(method, claims)
	if kid != "" {
		token.Header["kid"] = kid
	}
	signed, err := token.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("jwttoken: signing: %w", err)
	}
	return signed, nil
}

// verify checks token with parser and keyFunc and reads its claims. Failures follow PyJWT,
// which the original service answered with: a malformed token or a bad signature is
// domain.ErrJWTDecode; an expired one (exp <= now, no leeway) domain.ErrJWTExpired; an
// algorithm outside algs (even with the right key, and "none"), a key the keyFunc refuses,
// a missing exp or user_id, or any other invalid claim domain.ErrJWTInvalid. The signature
// is checked before any claim, so a forged token never learns whether it would have been
// expired.
func verify(parser *jwt.Parser, algs []string, token string, keyFunc jwt.Keyfunc) (domain.AccessClaims, error) {
	parsed, err := parser.Parse(token, keyFunc)
	if err != nil {
		return domain.AccessClaims{}, classify(parsed, algs, err)
	}
	claims, ok := parsed.Claims.(jwt.MapClaims)
	if !ok {
		return domain.AccessClaims{}, fmt.Errorf("%w: unexpected claims type %T", domain.ErrJWTInvalid, parsed.Claims)
	}
	out, err := readClaims(claims)
	if err == nil && out.ID == "" {
		out.ID = digestID(token)
	}
	return out, err
}

// digestID names a token without a jti (the Django service's) by the SHA-256 of its signed
// part, header and payload. The signature is left out: its last character can be written
// several ways that decode alike, and a revoked token must stay revoked in all of them.
func digestID(token string) string {
	sum := sha256.Sum256([]byte(token[:strings.LastIndexByte(token, '.')]))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// readClaims maps a verified payload. ver, jti and sid are optional: tokens of the original
// Django service carry none of them, and count as version 0.
func readClaims(claims jwt.MapClaims) (domain.AccessClaims, error) {
	var out domain.AccessClaims
	id, err := integer(claims, "user_id")
	if err != nil {
		return domain.AccessClaims{}, err
	}
	if id == nil {
		return domain.AccessClaims{}, fmt.Errorf("%w: user_id missing", domain.ErrJWTInvalid)
	}
	out.UserID = *id

	version, err := integer(claims, claimVersion)
	if err != nil {
		return domain.AccessClaims{}, err
	}
	if version != nil {
		// Versions start at 0 and only grow; anything else was never issued.
		if *version < 0 || int64(int(*version)) != *version {
			return domain.AccessClaims{}, fmt.Errorf("%w: %s out of range", domain.ErrJWTInvalid, claimVersion)
		}
		out.Version = int(*version)
	}
	if out.ID, err = optionalString(claims, "jti"); err != nil {
		return domain.AccessClaims{}, err
	}
	if out.Session, err = optionalString(claims, claimSession); err != nil {
		return domain.AccessClaims{}, err
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		// The parser has already required a numeric exp; refuse rather than return a zero time
		// should that option ever be dropped.
		return domain.AccessClaims{}, fmt.Errorf("%w: exp unreadable", domain.ErrJWTInvalid)
	}
	out.ExpiresAt = exp.UTC()
	return out, nil
}

// integer reads an integer claim: nil when absent, domain.ErrJWTInvalid when not an integer.
func integer(claims jwt.MapClaims, key string) (*int64, error) {
	v, present := claims[key]
	if !present {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: %s not a number", domain.ErrJWTInvalid, key)
	}
	i, err := n.Int64()
	if err != nil {
		return nil, fmt.Errorf("%w: %s not an integer", domain.ErrJWTInvalid, key)
	}
	return &i, nil
}

// optionalString reads a string claim: "" when absent, domain.ErrJWTInvalid when not a string.
func optionalString(claims jwt.MapClaims, key string) (string, error) {
	v, present := claims[key]
	if !present {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s not a string", domain.ErrJWTInvalid, key)
	}
	return s, nil
}

// classify maps golang-jwt's errors to PyJWT's three outcomes, keeping the cause for logs.
func classify(parsed *jwt.Token, algs []string, err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: %w", domain.ErrJWTDecode, err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// Unknown or missing alg (PyJWT's InvalidAlgorithmError), or a key id or
		// algorithm the key function refused.
		return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// golang-jwt reports an algorithm outside WithValidMethods as a bad signature too;
		// PyJWT rejects it before looking at the signature, as an invalid token.
		if alg, _ := parsed.Header["alg"].(string); !slices.Contains(algs, alg) {
			return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
		}
		return fmt.Errorf("%w: %w", domain.ErrJWTDecode, err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Errorf("%w: %w", domain.ErrJWTExpired, err)
	default:
		return fmt.Errorf("%w: %w", domain.ErrJWTInvalid, err)
	}
}
