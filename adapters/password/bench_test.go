package password_test

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/adapters/password"
)

// BenchmarkArgon2idVerify measures one login's hashing cost, which sizes the login rate a
// replica can sustain, for a hash of the current parameters and one of the previous.
func BenchmarkArgon2idVerify(b *testing.B) {
	h := password.NewArgon2id(password.Config{Concurrency: 1})
	current, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, encoded string }{
		{"m=7168,t=5", current},
		{"m=19456,t=2", previousHash},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := h.Verify(context.Background(), c.encoded, "correct horse"); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkWakeDuringHashes is what logins cost the other requests of the process: with
// one hash running on every processor, how late a goroutine sleeping 1 ms wakes up (a
// request whose database answer has arrived waits the same way).
func BenchmarkWakeDuringHashes(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	h := password.NewArgon2id(password.Config{Concurrency: procs})
	encoded, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup
	for range procs {
		running.Go(func() {
			for ctx.Err() == nil {
				_, _ = h.Verify(ctx, encoded, "correct horse")
			}
		})
	}
	var late []time.Duration
	for b.Loop() {
		start := time.Now()
		time.Sleep(time.Millisecond)
		late = append(late, time.Since(start)-time.Millisecond)
	}
	stop()
	running.Wait()
	slices.Sort(late)
	b.ReportMetric(float64(late[len(late)/2].Microseconds())/1000, "late-p50-ms")
	b.ReportMetric(float64(late[len(late)*99/100].Microseconds())/1000, "late-p99-ms")
	b.ReportMetric(0, "ns/op") // the time of a 1 ms sleep says nothing more
}
