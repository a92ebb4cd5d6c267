// Package domain holds the entities and rules of phone sign-up: users, verification
// codes, mobile numbers and the password policy. It knows nothing of HTTP, SQL or vendors.
package domain

import "strings"

// Kind says what sort of failure an Error is, so that an adapter can map it once.
type Kind uint8

const (
	KindInvalid Kind = iota + 1
	KindConflict
	KindUnauthorized
	KindRateLimited
	KindUnavailable
	KindNotFound
)

// Credential is what an authentication failure is about, so that an adapter can say
// which credential the caller should present.
type Credential uint8

const (
	AccessToken Credential = iota // a signed access token (JWT), and anything else
	APIKey                        // an opaque API token
)

// Error is a domain failure with a stable slug that message catalogs translate.
// Param carries the one value a message may need (seconds, a length, a vendor text).
type Error struct {
	kind       Kind
	slug       string
	param      string
	credential Credential
}

func newError(kind Kind, slug string) *Error { return &Error{kind: kind, slug: slug} }

// newAPIKeyError is an authentication failure of an API token.
func newAPIKeyError(slug string) *Error {
	return &Error{kind: KindUnauthorized, slug: slug, credential: APIKey}
}

func (e *Error) Kind() Kind { return e.kind }

// Credential is what an authentication failure is about.
func (e *Error) Credential() Credential { return e.credential }
func (e *Error) Slug() string           { return e.slug }
func (e *Error) Param() string          { return e.param }
func (e *Error) Error() string {
	if e.param == "" {
		return e.slug
	}
	return e.slug + ": " + e.param
}

// Is matches errors by slug, so a parameterised copy still matches its sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.slug == e.slug
}

// WithParam returns a copy of e carrying param.
func (e *Error) WithParam(param string) *Error {
	c := *e
	c.param = param
	return &c
}

// Field validation.
var (
	ErrRequired         = newError(KindInvalid, "required")
	ErrBlank            = newError(KindInvalid, "blank")
	ErrNull             = newError(KindInvalid, "null")
	ErrNotAString       = newError(KindInvalid, "not_a_string")
	ErrInvalidText      = newError(KindInvalid, "invalid_text")   // not valid UTF-8
	ErrNullCharacter    = newError(KindInvalid, "null_character") // a NUL in a text
	ErrNotABoolean      = newError(KindInvalid, "not_a_boolean")
	ErrUserExists       = newError(KindConflict, "user_exists")
	ErrInvalidMobile    = newError(KindInvalid, "invalid_mobile")
	ErrPasswordTooShort = newError(KindInvalid, "password_too_short") // param: minimum length
	ErrTooLong          = newError(KindInvalid, "max_length")         // param: maximum length
	ErrInvalidChoice    = newError(KindInvalid, "invalid_choice")     // param: the value sent
	ErrInvalidBirthday  = newError(KindInvalid, "invalid_date")
	ErrInvalidEmail     = newError(KindInvalid, "invalid_email")
)

// Verification codes.
var (
	ErrResendTooSoon = newError(KindInvalid, "resend_too_soon") // param: interval in seconds
	ErrCodeRequired  = newError(KindInvalid, "code_required")
	ErrCodeFormat    = newError(KindInvalid, "code_format")
	ErrCodeMismatch  = newError(KindInvalid, "code_mismatch")
	ErrCodeExpired   = newError(KindInvalid, "code_expired")
	ErrCodeExhausted = newError(KindInvalid, "code_exhausted")
	ErrSameMobile    = newError(KindInvalid, "same_mobile") // a change to the number the account has
)

// SMS delivery.
var (
	ErrSMSRefused     = newError(KindInvalid, "sms_refused") // param: the provider's message
	ErrSMSUnavailable = newError(KindUnavailable, "sms_unavailable")
)

// Credentials and authentication.
var (
	ErrInvalidCredentials = newError(KindInvalid, "invalid_credentials")
	ErrNotAuthenticated   = newError(KindUnauthorized, "not_authenticated")
	ErrJWTNoCredentials   = newError(KindUnauthorized, "jwt_no_credentials")
	ErrJWTSpaces          = newError(KindUnauthorized, "jwt_spaces")
	ErrJWTExpired         = newError(KindUnauthorized, "jwt_expired")
	ErrJWTDecode          = newError(KindUnauthorized, "jwt_decode")
	ErrJWTInvalid         = newError(KindUnauthorized, "jwt_invalid")
	ErrJWTUserInvalid     = newError(KindUnauthorized, "jwt_user_invalid")
	ErrTokenNoCredentials = newAPIKeyError("token_no_credentials")
	ErrTokenSpaces        = newAPIKeyError("token_spaces")
	ErrTokenInvalid       = newAPIKeyError("token_invalid")
	ErrRefreshInvalid     = newError(KindUnauthorized, "refresh_invalid")
	ErrRefreshReused      = newError(KindUnauthorized, "refresh_reused")
	ErrSessionEnded       = newError(KindUnauthorized, "session_ended")
	ErrWrongPassword      = newError(KindInvalid, "wrong_password")
)

// Abuse limits.
var (
	ErrThrottled        = newError(KindRateLimited, "throttled") // param: seconds to wait
	ErrPrefixNotAllowed = newError(KindInvalid, "prefix_not_allowed")
	ErrRegionNotAllowed = newError(KindInvalid, "region_not_allowed") // answered in ErrPrefixNotAllowed's words
)

// Lookups and infrastructure.
var (
	ErrUserNotFound     = newError(KindNotFound, "user_not_found")
	ErrStoreUnavailable = newError(KindUnavailable, "store_unavailable")
	// ErrBusy sheds a request that waited too long for a password hash: it was charged
	// nothing and may be retried. Param: seconds to wait before retrying (Retry-After).
	ErrBusy = newError(KindUnavailable, "busy")
)

// FieldError ties an Error to the request field it is about: a plain value, an answer.
type FieldError struct {
	Field string
	Err   *Error
}

// FieldErrors are every failing field of one request, in the order of the request's fields.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Field + ": " + f.Err.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap exposes the field errors to errors.Is and errors.As.
func (fe FieldErrors) Unwrap() []error {
	errs := make([]error, len(fe))
	for i, f := range fe {
		errs[i] = f.Err
	}
	return errs
}
