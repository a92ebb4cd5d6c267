package domain

// CodeEvent is something that happened to a verification code: it was issued (or a
// stand-in stored for a number that must not be told apart), or a submission of it was
// verified, did not match, came after its expiry or after its attempts were used up.
type CodeEvent string

const (
	CodeIssued     CodeEvent = "issued"
	CodeStandIn    CodeEvent = "stand_in"
	CodeVerified   CodeEvent = "verified"
	CodeMismatched CodeEvent = "mismatched"
	CodeExpired    CodeEvent = "expired"
	CodeExhausted  CodeEvent = "exhausted"
)

// LoginOutcome is how a login attempt ended: it succeeded, its credentials were wrong, or
// a login limit refused it.
type LoginOutcome string

const (
	LoginSucceeded LoginOutcome = "success"
	LoginInvalid   LoginOutcome = "invalid"
	LoginThrottled LoginOutcome = "throttled"
)
