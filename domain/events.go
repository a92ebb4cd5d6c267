package domain

// CodeEvent is what happened to a verification code, for metrics.
type CodeEvent string

const (
	CodeIssued     CodeEvent = "issued"
	CodeVerified   CodeEvent = "verified"
	CodeMismatched CodeEvent = "mismatched"
	CodeExpired    CodeEvent = "expired"
	CodeExhausted  CodeEvent = "exhausted"
)

// LoginOutcome is how a login attempt ended, for metrics.
type LoginOutcome string

const (
	LoginSucceeded LoginOutcome = "success"
	LoginInvalid   LoginOutcome = "invalid"
	LoginThrottled LoginOutcome = "throttled"
)
