package ports

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
)

// FieldState says how a request field arrived.
type FieldState uint8

const (
	Missing FieldState = iota // the key was absent
	Null                      // the key held a JSON null
	Text                      // the key held a string (or a number, as its literal text)
	NotText                   // the key held an array or an object
	Boolean                   // the key held a JSON boolean; Value is "true" or "false"
)

// Field is one request field as the client sent it.
type Field struct {
	State FieldState
	Value string
}

// TextField is a field that arrived as the string s.
func TextField(s string) Field { return Field{State: Text, Value: s} }

// Client is who sent a request, as far as the service can tell.
type Client struct {
	IP string
}

// SignUp is a registration request.
type SignUp struct {
	Username, Code, Password Field
}

// Credentials are a login request: a username or a mobile, and a password, with the
// device token of a client that logged in before (empty when it sent none).
type Credentials struct {
	Username, Password Field
	DeviceToken        string
}

// ProfileUpdate carries the profile fields a client sent.
type ProfileUpdate struct {
	Name, Gender, Birthday, Email Field
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

// PasswordChange is a request to change the caller's password.
type PasswordChange struct {
	OldPassword, NewPassword Field
}

// Accounts is every use case, as inbound adapters see them.
// Failures are domain errors: domain.FieldErrors for field validation, *domain.Error otherwise.
type Accounts interface {
	// SendCode sends a verification code to mobile and returns the mobile as accepted.
	SendCode(ctx context.Context, client Client, mobile Field) (string, error)
	Register(ctx context.Context, req SignUp) (Registered, error)
	// Login starts a session.
	Login(ctx context.Context, client Client, cred Credentials) (Tokens, error)
	// Refresh exchanges a refresh token for new tokens; the presented one is retired.
	Refresh(ctx context.Context, refresh Field) (Tokens, error)
	// Logout ends the caller's session (or API key, or access token without a session);
	// with all, every session of the caller.
	Logout(ctx context.Context, caller Principal, all bool) error
	// ChangePassword ends every session and token of the caller and starts a new session.
	ChangePassword(ctx context.Context, client Client, caller Principal, change PasswordChange) (Tokens, error)
	// IssueAPIToken returns the key of a new opaque API token.
	IssueAPIToken(ctx context.Context, client Client, cred Credentials) (string, error)
	// Authenticate resolves an Authorization header. It returns nil, nil for a request
	// without credentials (no header, or a scheme it does not know).
	Authenticate(ctx context.Context, authorization string) (*Principal, error)
	Profile(ctx context.Context, caller Principal) (*domain.User, error)
	UpdateProfile(ctx context.Context, caller Principal, change ProfileUpdate) (*domain.User, error)
}
