package domain

// CAPTCHA on the routes that cost money or invite guessing: a request there carries a
// token that a CAPTCHA provider verifies before anything is counted.
var (
	ErrCaptchaRefused     = newError(KindInvalid, "captcha_invalid")         // the provider said the token proves nothing
	ErrCaptchaUnavailable = newError(KindUnavailable, "captcha_unavailable") // the provider could not be asked
)

// LimitCaptcha names the refusal of a request whose CAPTCHA token was missing or refused.
const LimitCaptcha LimitReason = "captcha"
