// Package ports declares every interface that crosses the edge of the core: the use cases
// as inbound adapters see them (driving) and what the use cases need from the world (driven).
package ports

import (
	"context"
	"time"

	"github.com/phoneauth/phoneauth/domain"
)

// Clock tells the time; tests inject their own.
type Clock interface {
	Now() time.Time
}

// UserRepository stores accounts.
type UserRepository interface {
	// ByID returns the user or domain.ErrUserNotFound.
	ByID(ctx context.Context, id int64) (*domain.User, error)
	// ByLogin finds a user by username, else by mobile, or returns domain.ErrUserNotFound.
	ByLogin(ctx context.Context, login string) (*domain.User, error)
	// Taken tells whether a user has value as username or as mobile.
	Taken(ctx context.Context, value string) (bool, error)
	// Update applies change to the stored user atomically and returns the result;
	// when change fails nothing is written.
	Update(ctx context.Context, id int64, change func(*domain.User) error) (*domain.User, error)
}

// CodeRepository keeps the newest verification code of each mobile and the right to send one.
type CodeRepository interface {
	// Reserve claims the right to send a code to mobile at now. It fails with
	// domain.ErrResendTooSoon when a code was sent or reserved after notBefore.
	// One statement decides, so concurrent callers on any replica get one winner.
	Reserve(ctx context.Context, mobile string, now, notBefore time.Time) error
	// Release gives up the reservation made at reservedAt after a failed send,
	// so that the resend interval does not start.
	Release(ctx context.Context, mobile string, reservedAt time.Time) error
	// Save stores code as the newest code of its mobile and ends the reservation.
	Save(ctx context.Context, code *domain.VerifyCode) error
}

// Registrar creates accounts from verification codes.
type Registrar interface {
	// Register runs decide, in one transaction, on the newest code sent to mobile (nil
	// when there is none), stores the code's new state whatever decide returns, and then
	// inserts the user decide returns, if any, and returns it with its id. If the insert
	// finds the username or mobile taken, nothing at all is stored and the error is
	// domain.ErrUserExists.
	Register(ctx context.Context, mobile string, decide func(*domain.VerifyCode) (*domain.User, error)) (*domain.User, error)
}

// APITokenRepository stores opaque API tokens by the hash of their key.
type APITokenRepository interface {
	Create(ctx context.Context, token domain.APIToken) error
	// Find returns the token with that key hash, or domain.ErrTokenInvalid.
	Find(ctx context.Context, keyHash []byte) (domain.APIToken, error)
}

// LimitStore keeps the counters of the abuse limits where every replica sees them.
type LimitStore interface {
	// UpdateCounter runs change on the counter stored under key (the zero Counter when there is
	// none) and stores the result, atomically: concurrent updates of one key, on any
	// replica, are serialised. When change fails nothing is written.
	UpdateCounter(ctx context.Context, key string, change func(*domain.Counter) error) error
}

// Observer is told what happens, for metrics. Calls must be cheap and safe for
// concurrent use.
type Observer interface {
	Refused(reason domain.LimitReason)
	Code(event domain.CodeEvent)
	Login(outcome domain.LoginOutcome)
	// Request is one HTTP request: its route pattern, method, status and duration.
	Request(route, method string, status int, elapsed time.Duration)
}

// Readiness tells whether the service can serve: its database reachable and migrated.
type Readiness interface {
	Ready(ctx context.Context) error
}

// SMSSender delivers a text message. It fails with domain.ErrSMSRefused (param: the
// provider's message) when the provider refuses, domain.ErrSMSUnavailable when it cannot be reached.
type SMSSender interface {
	Send(ctx context.Context, mobile, text string) error
}

// AccessTokens issues and verifies the signed access tokens (JWT) of logged-in users.
type AccessTokens interface {
	Issue(user *domain.User) (string, error)
	// Verify returns the user id the token was issued to, or domain.ErrJWTExpired,
	// domain.ErrJWTDecode or domain.ErrJWTInvalid.
	Verify(token string) (int64, error)
}

// PasswordHasher hashes passwords for storage and checks them in constant time.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) (bool, error)
}

// Secrets makes and hashes the secrets the service hands out.
type Secrets interface {
	// NewCode returns uniformly random decimal digits.
	NewCode(digits int) (string, error)
	// NewAPIKey returns 40 random lowercase hex characters.
	NewAPIKey() (string, error)
	// CodeHash is a keyed hash of a code sent to a mobile.
	CodeHash(mobile, code string) []byte
	// APIKeyHash is the hash under which an API key is stored.
	APIKeyHash(key string) []byte
}
