package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/domain"
)

func TestBackoffWait(t *testing.T) {
	b := domain.Backoff{Free: 5, Base: time.Second, Max: 15 * time.Minute, HardLimit: 100, HardWait: 24 * time.Hour}
	want := map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 9: 16 * time.Second, 14: 512 * time.Second, 15: 15 * time.Minute, 99: 15 * time.Minute, 100: 24 * time.Hour}
	for failures, wait := range want {
		if got := b.Wait(failures); got != wait {
			t.Errorf("Wait(%d) = %v, want %v", failures, got, wait)
		}
	}
}

func TestCounterTakeUsesAlignedWindows(t *testing.T) {
	var c domain.Counter
	now := time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC)
	for range 2 {
		if err := c.Take(now, 24*time.Hour, 2); err != nil {
			t.Fatal(err)
		}
	}
	err := c.Take(now, 24*time.Hour, 2)
	var de *domain.Error
	if !errors.As(err, &de) || !errors.Is(err, domain.ErrThrottled) || de.Param() != "60" {
		t.Fatalf("got %v, want ErrThrottled for 60 s", err)
	}
	if err := c.Take(now.Add(time.Minute), 24*time.Hour, 2); err != nil {
		t.Fatalf("a new day: %v", err)
	}
}

func TestCounterAdmitForgets(t *testing.T) {
	b := domain.Backoff{Free: 1, Base: time.Second, Max: time.Minute, HardLimit: 100, HardWait: time.Hour, ForgetAfter: time.Hour}
	var c domain.Counter
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	if err := c.Admit(now, b); err != nil {
		t.Fatal(err)
	}
	if err := c.Admit(now, b); !errors.Is(err, domain.ErrThrottled) {
		t.Fatalf("got %v, want a wait after one failure", err)
	}
	if err := c.Admit(now.Add(time.Hour), b); err != nil || c.N != 1 {
		t.Fatalf("after ForgetAfter the count starts over: %v, N=%d", err, c.N)
	}
}

// A concurrent attempt stamped a little later must not make a free attempt wait.
func TestCounterAdmitIgnoresALaterStampWhenNoWaitIsDue(t *testing.T) {
	b := domain.Backoff{Free: 5, Base: time.Second, Max: time.Minute, HardLimit: 100, HardWait: time.Hour}
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	c := domain.Counter{N: 1, At: now.Add(time.Millisecond)}
	if err := c.Admit(now, b); err != nil {
		t.Fatalf("got %v, want the attempt admitted", err)
	}
	if !c.At.Equal(now.Add(time.Millisecond)) {
		t.Fatalf("At went back to %v", c.At)
	}
}
