package domain

import (
	"crypto/subtle"
	"time"
)

// VerifyCode is the newest code sent to a mobile, kept only as a keyed hash.
// It expires, allows a limited number of wrong guesses, and is consumed once.
type VerifyCode struct {
	mobile      string
	hash        []byte
	sentAt      time.Time
	expiresAt   time.Time
	attempts    int
	maxAttempts int
	consumed    bool
}

// NewVerifyCode records a code that was just sent.
func NewVerifyCode(mobile Mobile, hash []byte, sentAt time.Time, ttl time.Duration, maxAttempts int) (*VerifyCode, error) {
	if len(hash) == 0 || ttl <= 0 || maxAttempts < 1 {
		return nil, newError(KindInvalid, "verify_code_invalid")
	}
	return &VerifyCode{
		mobile:      mobile.String(),
		hash:        hash,
		sentAt:      sentAt.UTC(),
		expiresAt:   sentAt.UTC().Add(ttl),
		maxAttempts: maxAttempts,
	}, nil
}

// UnmarshalVerifyCodeFromDatabase rebuilds a stored code. It skips validation:
// use it only for data that NewVerifyCode once produced.
func UnmarshalVerifyCodeFromDatabase(mobile string, hash []byte, sentAt, expiresAt time.Time, attempts, maxAttempts int, consumed bool) *VerifyCode {
	return &VerifyCode{
		mobile:      mobile,
		hash:        hash,
		sentAt:      sentAt.UTC(),
		expiresAt:   expiresAt.UTC(),
		attempts:    attempts,
		maxAttempts: maxAttempts,
		consumed:    consumed,
	}
}

func (c *VerifyCode) Mobile() string       { return c.mobile }
func (c *VerifyCode) Hash() []byte         { return c.hash }
func (c *VerifyCode) SentAt() time.Time    { return c.sentAt }
func (c *VerifyCode) ExpiresAt() time.Time { return c.expiresAt }
func (c *VerifyCode) Attempts() int        { return c.attempts }
func (c *VerifyCode) MaxAttempts() int     { return c.maxAttempts }
func (c *VerifyCode) Consumed() bool       { return c.consumed }

// Live tells whether c can still verify at now: not used, not expired, attempts left.
// A nil code (none was sent) cannot.
func (c *VerifyCode) Live(now time.Time) error {
	switch {
	case c == nil, c.consumed:
		return ErrCodeMismatch
	case !now.Before(c.expiresAt):
		return ErrCodeExpired
	case c.attempts >= c.maxAttempts:
		return ErrCodeExhausted
	}
	return nil
}

// Verify checks a submitted code's hash at now. A wrong guess uses up one attempt;
// once the budget is spent the code is dead even for the right value.
func (c *VerifyCode) Verify(submittedHash []byte, now time.Time) error {
	if err := c.Live(now); err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(c.hash, submittedHash) != 1 {
		c.attempts++
		return ErrCodeMismatch
	}
	return nil
}

// Consume marks the code used: it can never verify again.
func (c *VerifyCode) Consume() { c.consumed = true }

// CheckCodeFormat tells whether code has the shape of a code of the given length.
func CheckCodeFormat(code string, length int) error {
	if len(code) != length {
		return ErrCodeFormat
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return ErrCodeFormat
		}
	}
	return nil
}
