package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/domain"
)

var sent = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func newCode(t *testing.T, maxAttempts int) *domain.VerifyCode {
	t.Helper()
	policy, err := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	if err != nil {
		t.Fatal(err)
	}
	mobile, err := policy.Parse("13800000000")
	if err != nil {
		t.Fatal(err)
	}
	code, err := domain.NewVerifyCode(mobile, []byte("right"), sent, 5*time.Minute, maxAttempts)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestVerifyCodeAcceptsTheRightCodeBeforeExpiry(t *testing.T) {
	code := newCode(t, 5)
	if err := code.Verify([]byte("right"), sent.Add(5*time.Minute-time.Millisecond)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestVerifyCodeExpires(t *testing.T) {
	code := newCode(t, 5)
	if err := code.Verify([]byte("right"), sent.Add(5*time.Minute)); !errors.Is(err, domain.ErrCodeExpired) {
		t.Fatalf("got %v, want ErrCodeExpired", err)
	}
}

func TestVerifyCodeSpendsItsBudgetOnWrongGuesses(t *testing.T) {
	code := newCode(t, 3)
	for i := range 3 {
		if err := code.Verify([]byte("wrong"), sent); !errors.Is(err, domain.ErrCodeMismatch) {
			t.Fatalf("guess %d: got %v, want ErrCodeMismatch", i, err)
		}
	}
	if code.Attempts() != 3 {
		t.Fatalf("attempts = %d, want 3", code.Attempts())
	}
	if err := code.Verify([]byte("right"), sent); !errors.Is(err, domain.ErrCodeExhausted) {
		t.Fatalf("got %v, want ErrCodeExhausted for the right code after the budget", err)
	}
}

func TestVerifyCodeIsConsumedOnce(t *testing.T) {
	code := newCode(t, 5)
	if err := code.Verify([]byte("right"), sent); err != nil {
		t.Fatal(err)
	}
	code.Consume()
	if err := code.Verify([]byte("right"), sent); !errors.Is(err, domain.ErrCodeMismatch) {
		t.Fatalf("got %v, want ErrCodeMismatch for a used code", err)
	}
}

func TestCheckCodeFormat(t *testing.T) {
	for code, ok := range map[string]bool{"123456": true, "12345": false, "1234567": false, "12a456": false, "１２３４５６": false} {
		if err := domain.CheckCodeFormat(code, 6); (err == nil) != ok {
			t.Errorf("CheckCodeFormat(%q) = %v", code, err)
		}
	}
}
