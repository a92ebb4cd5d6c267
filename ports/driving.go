package ports

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
)

// Handler runs one use case: a command or a query C, answered with R. Failures are domain
// errors: domain.FieldErrors for fields that break a rule, *domain.Error otherwise.
type Handler[C, R any] interface {
	Handle(ctx context.Context, c C) (R, error)
}

// Application is every use case, as inbound adapters see them.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change something.
type Commands struct {
	SendCode       Handler[SendCode, string] // answers the mobile as accepted
	Register       Handler[Register, Registered]
	LogIn          Handler[LogIn, Tokens]
	IssueAPIToken  Handler[LogIn, string] // answers the key of a new opaque token
	Refresh        Handler[Refresh, Tokens]
	LogOut         Handler[LogOut, struct{}]
	ChangePassword Handler[ChangePassword, Tokens]
	UpdateProfile  Handler[UpdateProfile, *domain.User]
	LogInByCode    Handler[LogInByCode, Tokens]
	ResetPassword  Handler[ResetPassword, Tokens]
	ChangeMobile   Handler[ChangeMobile, *domain.User]
	DeleteAccount  Handler[DeleteAccount, struct{}]
}

// Queries only read.
type Queries struct {
	// Authenticate resolves an Authorization header; nil, nil for a request without
	// credentials (no header, or a scheme it does not know).
	Authenticate Handler[string, *Principal]
	// VerifyHuman checks the CAPTCHA token of a request to a route that needs one, before
	// the route's command runs.
	VerifyHuman Handler[VerifyHuman, HumanCheck]
}

// The commands carry plain values: text as the client sent it, trimmed, "" when it sent
// none. An adapter reports the shape of what it decoded (a field missing, null, of the
// wrong type) itself; the use cases check the rules.

// Client is who sent a request, as far as the service can tell.
type Client struct {
	IP string // the address, or the prefix an IPv6 address counts under
}

// SendCode asks for a verification code for a mobile, for a purpose ("" for
// registration); a code to change the caller's number needs the Caller.
type SendCode struct {
	Client          Client
	Caller          Principal
	Mobile, Purpose string
}

// Register signs up with the code sent to the mobile that is the username.
type Register struct {
	Username, Code, Password string
}

// LogIn checks a username or a mobile and a password, with the device token of a client
// that logged in before ("" when it sent none).
type LogIn struct {
	Client             Client
	Username, Password string
	DeviceToken        string
}

// LogInByCode checks a mobile and a code sent to it for logging in, with the device token
// of a client that logged in before ("" when it sent none).
type LogInByCode struct {
	Client       Client
	Mobile, Code string
	DeviceToken  string
}

// ResetPassword sets a new password for the account of a mobile, with a code sent to it
// for the reset, and ends every session and token of the account.
type ResetPassword struct {
	Client                 Client
	Mobile, Code, Password string
}

// ChangeMobile moves the caller's account to a new mobile, with a code sent to that
// number for the change.
type ChangeMobile struct {
	Caller       Principal
	Mobile, Code string
}

// DeleteAccount removes the caller's account, proven by its password or by a code sent to
// its mobile for logging in ("" for the one not used).
type DeleteAccount struct {
	Client         Client
	Caller         Principal
	Password, Code string
}

// Refresh exchanges a refresh token for new tokens; the presented one is retired.
type Refresh struct {
	Token string
}

// LogOut ends the caller's session (or API key, or access token without a session);
// with All, every session and token of the caller.
type LogOut struct {
	Caller Principal
	All    bool
}

// ChangePassword ends every session and token of the caller and starts a new session.
type ChangePassword struct {
	Client                   Client
	Caller                   Principal
	OldPassword, NewPassword string
}

// UpdateProfile applies the profile fields a client sent.
type UpdateProfile struct {
	Caller Principal
	Change domain.ProfileChange
}

// Tokens are what a login hands out: a signed access token and the opaque refresh token
// that renews it; a password login adds the client's device token.
type Tokens struct {
	Access, Refresh, DeviceToken string
}

// Registered is the outcome of a registration.
type Registered struct {
	User *domain.User
	Tokens
}

// Principal is the authenticated caller of a request, as loaded when it was authenticated,
// with the credential it presented: an access token (JWT) and its session if it has one,
// or an API key's hash (Token).
type Principal struct {
	User        *domain.User
	AccessToken domain.AccessClaims
	Session     string
	APIKeyHash  []byte
}
