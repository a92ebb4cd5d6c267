package ports

import "context"

// HumanVerifier asks a CAPTCHA provider whether a token proves that a human solved its
// challenge. It fails with domain.ErrCaptchaRefused when the provider says the token does
// not (invalid, expired, used before), and with domain.ErrCaptchaUnavailable when the
// provider cannot be asked, answers something else, or says the request or the secret is
// wrong. Its errors never hold the token or the secret: they end up in logs.
type HumanVerifier interface {
	// Verify checks token, sent by the client at remoteIP ("" when unknown).
	Verify(ctx context.Context, token, remoteIP string) error
}

// VerifyHuman is the CAPTCHA token of a request to a route that needs one.
type VerifyHuman struct {
	Token    string // trimmed; "" when the client sent none
	RemoteIP string // the client's address, "" when unknown
}

// HumanCheck is the outcome of a CAPTCHA check that lets the request through.
type HumanCheck struct {
	// Unverified is why the token could not be verified, when the provider was unavailable
	// and the configuration lets requests through anyway (CAPTCHA_FAIL_OPEN); nil when the
	// provider accepted the token.
	Unverified error
}
