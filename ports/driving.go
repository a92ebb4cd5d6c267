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
	NotText                   // the key held a boolean, an array or an object
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

// Credentials are a login request: a username or a mobile, and a password.
type Credentials struct {
	Username, Password Field
}

// ProfileUpdate carries the profile fields a client sent.
type ProfileUpdate struct {
	Name, Gender, Birthday, Email Field
}

// Registered is the outcome of a registration.
type Registered struct {
	User  *domain.User
	Token string
}

// Principal is the authenticated caller of a request, as loaded when it was authenticated.
type Principal struct {
	User *domain.User
}

// Accounts is every use case, as inbound adapters see them.
// Failures are domain errors: domain.FieldErrors for field validation, *domain.Error otherwise.
type Accounts interface {
	// SendCode sends a verification code to mobile and returns the mobile as accepted.
	SendCode(ctx context.Context, client Client, mobile Field) (string, error)
	Register(ctx context.Context, req SignUp) (Registered, error)
	// Login returns an access token (JWT).
	Login(ctx context.Context, client Client, cred Credentials) (string, error)
	// IssueAPIToken returns the key of a new opaque API token.
	IssueAPIToken(ctx context.Context, client Client, cred Credentials) (string, error)
	// Authenticate resolves an Authorization header. It returns nil, nil for a request
	// without credentials (no header, or a scheme it does not know).
	Authenticate(ctx context.Context, authorization string) (*Principal, error)
	Profile(ctx context.Context, caller Principal) (*domain.User, error)
	UpdateProfile(ctx context.Context, caller Principal, change ProfileUpdate) (*domain.User, error)
}
