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
	// Taken tells whether a user has any of values as username or as mobile, in one
	// look-up: a number is taken under any of its spellings.
	Taken(ctx context.Context, values ...string) (bool, error)
	// Update applies change to the stored user atomically and returns the result;
	// when change fails nothing is written.
	Update(ctx context.Context, id int64, change func(*domain.User) error) (*domain.User, error)
	// Delete removes the user with every session, refresh token and API token of it;
	// domain.ErrUserNotFound when there is none. The codes and limit counters of its
	// number stay.
	Delete(ctx context.Context, id int64) error
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
	// Newest returns the newest code sent to mobile, or nil when none was.
	Newest(ctx context.Context, mobile string) (*domain.VerifyCode, error)
}

// Registrar creates and changes accounts on the strength of verification codes: the code's
// state and the account are written in one transaction, so that a code is used once.
type Registrar interface {
	// Register runs decide, in one transaction, on the newest code sent to mobile (nil
	// when there is none), stores the code's new state whatever decide returns, and then
	// inserts the user decide returns, if any, and returns it with its id. If the insert
	// finds the username or mobile taken, nothing at all is stored and the error is
	// domain.ErrUserExists.
	Register(ctx context.Context, mobile string, decide func(*domain.VerifyCode) (*domain.User, error)) (*domain.User, error)
	// Redeem runs decide, in one transaction, on the newest code sent to mobile (nil when
	// there is none) and on the user with userID (nil when there is none), both locked,
	// and stores the code's new state whatever decide returns. When decide returns nil,
	// it also stores what decide may change of the user (username, mobile, password hash
	// and token version) and returns it. If that finds the username
	// or mobile taken, nothing at all is stored and the error is domain.ErrUserExists.
	Redeem(ctx context.Context, mobile string, userID int64, decide func(*domain.VerifyCode, *domain.User) error) (*domain.User, error)
}

// APITokenRepository stores opaque API tokens by the hash of their key.
type APITokenRepository interface {
	Create(ctx context.Context, token domain.APIToken) error
	// Find returns the token with that key hash, or domain.ErrTokenInvalid.
	Find(ctx context.Context, keyHash []byte) (domain.APIToken, error)
	// DeleteAPIToken revokes one token; an unknown hash is not an error.
	DeleteAPIToken(ctx context.Context, keyHash []byte) error
	// DeleteUserAPITokens revokes every token of a user.
	DeleteUserAPITokens(ctx context.Context, userID int64) error
}

// SessionRepository stores logins and the chains of refresh tokens that renew them.
type SessionRepository interface {
	// StartSession stores a new session with its first refresh token.
	StartSession(ctx context.Context, session domain.Session, first domain.RefreshToken) error
	// Session returns a session and its user, in one round trip since every request
	// authenticated by a session needs both, or domain.ErrSessionEnded when there is none.
	Session(ctx context.Context, id string) (domain.Session, *domain.User, error)
	// Refresh runs exchange, in one transaction, on the refresh token stored under keyHash
	// and its session (domain.ErrRefreshInvalid when there is none). When exchange returns
	// the next token, the presented one is retired and the next stored; when it returns
	// domain.ErrRefreshReused, the session is revoked and that is kept; on any other error
	// nothing is written. Concurrent exchanges of one token on any replica: one wins.
	Refresh(ctx context.Context, keyHash []byte, exchange func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error)) error
	RevokeSession(ctx context.Context, id string) error
	RevokeUserSessions(ctx context.Context, userID int64) error
}

// RevokedTokens keeps the access tokens revoked before their expiry that no session ends:
// those without a sid, issued by the original Django service.
type RevokedTokens interface {
	// RevokeToken revokes the token with that id until expiresAt; again is not an error.
	RevokeToken(ctx context.Context, id string, expiresAt time.Time) error
	// TokenRevoked tells whether the token with that id is revoked at now.
	TokenRevoked(ctx context.Context, id string, now time.Time) (bool, error)
}

// LimitStore keeps the counters of the abuse limits where every replica sees them.
type LimitStore interface {
	// UpdateCounters runs each change, in order, on the counter stored under its key (the
	// zero Counter when there is none) and stores the results, all or none, atomically:
	// concurrent updates of a key, on any replica, are serialised. The first change that
	// fails stops the rest, nothing is stored, and its error is returned.
	UpdateCounters(ctx context.Context, changes ...CounterChange) error
}

// CounterChange is a change of the counter stored under Key, a domain.LimitKey.
type CounterChange struct {
	Key    string
	Change func(*domain.Counter) error
}

// Observer is told the events of the use cases: a limit refused a request, something
// happened to a code, a login ended. Calls must be cheap and safe for concurrent use.
type Observer interface {
	Refused(reason domain.LimitReason)
	Code(event domain.CodeEvent)
	Login(outcome domain.LoginOutcome)
}

// Readiness tells whether the service can serve: its database reachable and migrated.
type Readiness interface {
	Ready(ctx context.Context) error
}

// SMSSender delivers a text message. It fails with domain.ErrSMSRefused (param: the
// provider's message) when the provider refuses, domain.ErrSMSUnavailable when it cannot be reached.
type SMSSender interface {
	Send(ctx context.Context, sms SMS) error
}

// SMS is one message to a mobile. Providers that send free text send Text; those that send
// templates registered with the vendor (China's vendors) choose one by Kind and pass Code,
// the template's only parameter.
type SMS struct {
	Mobile string // as answers show it: national for the default region, else E.164
	Text   string
	Kind   SMSKind
	Code   string // "" in a notice
}

// SMSKind is what a message is: a code for a purpose (the purpose's name), or a notice.
type SMSKind string

// The notices; a code's kind is CodeFor(purpose).
const (
	NoticeRegistered    SMSKind = "notice_registered"     // a registration code asked for a registered number
	NoticeUnknown       SMSKind = "notice_unknown"        // a login or reset code asked for a number without an account
	NoticeMobileChanged SMSKind = "notice_mobile_changed" // to the old number of an account
)

// IsNotice tells a notice, which carries no code, from a code.
func (k SMSKind) IsNotice() bool {
	return k == NoticeRegistered || k == NoticeUnknown || k == NoticeMobileChanged
}

// CodeFor is the kind of a message carrying a code for purpose.
func CodeFor(purpose domain.Purpose) SMSKind { return SMSKind(purpose) }

// AccessTokens issues and verifies the signed access tokens (JWT) of logged-in users.
type AccessTokens interface {
	// Issue signs a token for user in the given session (a refresh token family; may be
	// empty), carrying the user's token version and a fresh token id.
	Issue(user *domain.User, session string) (string, error)
	// Verify returns what a token says, or domain.ErrJWTExpired, domain.ErrJWTDecode or
	// domain.ErrJWTInvalid (another algorithm, an unknown key id, a malformed payload).
	// The claims' ID is never empty, and is the same for every spelling of one token.
	Verify(token string) (domain.AccessClaims, error)
}

// KeySet publishes the public keys that verify access tokens, as a JWKS document, so other
// services verify tokens without a shared secret. With HS256 it is empty.
type KeySet interface {
	JWKS() []byte
}

// PasswordHasher hashes passwords for storage and checks them in constant time.
// A hash waits its turn and starts only while ctx is live: a request whose client has gone,
// or whose deadline has passed, gets ctx's error and costs no hash; one that waited past the
// hasher's queue timeout gets domain.ErrBusy (its param: seconds to wait before retrying),
// and costs no hash either. Either way the password was not checked.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify checks password against any hash format the hasher reads (Argon2id, and the
	// Django formats of imported users).
	Verify(ctx context.Context, encoded, password string) (bool, error)
	// NeedsRehash tells whether encoded should be replaced by a fresh Hash at the next
	// successful login: another format, or weaker parameters.
	NeedsRehash(encoded string) bool
}

// Secrets makes and hashes the secrets the service hands out.
type Secrets interface {
	// NewCode returns uniformly random decimal digits.
	NewCode(digits int) (string, error)
	// NewAPIKey returns 40 random lowercase hex characters.
	NewAPIKey() (string, error)
	// CodeHash is a keyed hash of a code sent to a mobile for a purpose.
	CodeHash(purpose domain.Purpose, mobile, code string) []byte
	// APIKeyHash is the hash under which an API key is stored.
	APIKeyHash(key string) []byte
}

// DeviceTokens issues and checks device tokens (OWASP's "device cookies"): proof that a
// client logged in to an account before, so that its login attempts are judged on its
// own record rather than on the failures of other clients of the account or its IP.
type DeviceTokens interface {
	// Issue returns a new token bound to the user.
	Issue(userID int64) (string, error)
	// Check returns the id of the device that token names when it was issued for userID,
	// and false for any other token. It compares in constant time.
	Check(token string, userID int64) (device string, ok bool)
}
