// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package argon2

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	xargon2 "golang.org/x/crypto/argon2"
)

var (
	genKatPassword = []byte{
		0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
		0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
		0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
		0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	}
	genKatSalt   = []byte{0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02}
	genKatSecret = []byte{0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03}
	genKatAAD    = []byte{0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}
)

// TestKnownAnswers derives the specification's test vectors, with the assembly block
// function where the CPU has it and the generic one, each twice in one work area: the second
// time over what the first left there.
func TestKnownAnswers(t *testing.T) {
	defer func(sse4 bool) { useSSE4 = sse4 }(useSSE4)
	for _, sse4 := range []bool{true, false} {
		if sse4 && !useSSE4 {
			continue
		}
		useSSE4 = sse4
		area := NewWorkArea(32)
		for run := range 2 {
			for _, kat := range []struct {
				mode int
				want []byte
			}{
				{argon2i, []byte{
					0xc8, 0x14, 0xd9, 0xd1, 0xdc, 0x7f, 0x37, 0xaa,
					0x13, 0xf0, 0xd7, 0x7f, 0x24, 0x94, 0xbd, 0xa1,
					0xc8, 0xde, 0x6b, 0x01, 0x6d, 0xd3, 0x88, 0xd2,
					0x99, 0x52, 0xa4, 0xc4, 0x67, 0x2b, 0x6c, 0xe8,
				}},
				{argon2id, []byte{
					0x0d, 0x64, 0x0d, 0xf5, 0x8d, 0x78, 0x76, 0x6c,
					0x08, 0xc0, 0x37, 0xa3, 0x4a, 0x8b, 0x53, 0xc9,
					0xd0, 0x1e, 0xf0, 0x45, 0x2d, 0x75, 0xb6, 0x5e,
					0xb5, 0x25, 0x20, 0xe9, 0x6b, 0x01, 0xe6, 0x59,
				}},
			} {
				got := area.deriveKey(kat.mode, genKatPassword, genKatSalt, genKatSecret, genKatAAD, 3, 32, 4, 32)
				if !bytes.Equal(got, kat.want) {
					t.Errorf("SSE4 %v, run %d, mode %d: got %x, want %x", sse4, run, kat.mode, got, kat.want)
				}
			}
		}
	}
}

// TestVectors derives vectors of the reference implementation in one work area smaller than
// the largest of them, which therefore take the one-off allocation.
func TestVectors(t *testing.T) {
	password, salt := []byte("password"), []byte("somesalt")
	area := NewWorkArea(256)
	for i, v := range testVectors {
		want, err := hex.DecodeString(v.hash)
		if err != nil {
			t.Fatalf("Test %d: failed to decode hash: %v", i, err)
		}
		hash := area.deriveKey(v.mode, password, salt, nil, nil, v.time, v.memory, v.threads, uint32(len(want)))
		if !bytes.Equal(hash, want) {
			t.Errorf("Test %d - got: %s want: %s", i, hex.EncodeToString(hash), hex.EncodeToString(want))
		}
	}
}

// TestSameAsXCrypto compares with the package this one is copied from, over parameters
// whose memory is not a multiple of the lanes' sync points, in one work area used again and
// again without being cleared.
func TestSameAsXCrypto(t *testing.T) {
	area := NewWorkArea(19 * 1024)
	salt := []byte("0123456789abcdef")
	for _, time := range []uint32{1, 2, 3} {
		for _, memory := range []uint32{8, 67, 1000, 19 * 1024, 20 * 1024} {
			for _, threads := range []uint8{1, 2, 3, 4} {
				password := []byte(fmt.Sprintf("password %d %d %d", time, memory, threads))
				if got, want := area.IDKey(password, salt, time, memory, threads, 32), xargon2.IDKey(password, salt, time, memory, threads, 32); !bytes.Equal(got, want) {
					t.Errorf("IDKey t=%d m=%d p=%d: got %x, want %x", time, memory, threads, got, want)
				}
				if got, want := area.Key(password, salt, time, memory, threads, 16), xargon2.Key(password, salt, time, memory, threads, 16); !bytes.Equal(got, want) {
					t.Errorf("Key t=%d m=%d p=%d: got %x, want %x", time, memory, threads, got, want)
				}
			}
		}
	}
}

// BenchmarkIDKey measures a login's derivation (OWASP's m=19 MiB, t=2, p=1) in a kept work
// area against x/crypto's, which allocates one each time.
func BenchmarkIDKey(b *testing.B) {
	password, salt := []byte("password"), []byte("choosing random salts is hard")
	b.Run("work area", func(b *testing.B) {
		area := NewWorkArea(19 * 1024)
		b.ReportAllocs()
		for b.Loop() {
			area.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("x/crypto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			xargon2.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
}

// BenchmarkWakeDuringDerivations is what a login's derivations cost the other requests of
// the process: with one derivation running on every processor, how late a goroutine
// sleeping 1 ms wakes up (a request whose database answer has arrived waits the same way).
func BenchmarkWakeDuringDerivations(b *testing.B) {
	password, salt := []byte("password"), []byte("choosing random salts is hard")
	stop := make(chan struct{})
	var running sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		running.Go(func() {
			area := NewWorkArea(19 * 1024)
			for {
				select {
				case <-stop:
					return
				default:
					area.IDKey(password, salt, 2, 19*1024, 1, 32)
				}
			}
		})
	}
	var late []time.Duration
	for b.Loop() {
		start := time.Now()
		time.Sleep(time.Millisecond)
		late = append(late, time.Since(start)-time.Millisecond)
	}
	close(stop)
	running.Wait()
	slices.Sort(late)
	b.ReportMetric(float64(late[len(late)/2].Microseconds())/1000, "late-p50-ms")
	b.ReportMetric(float64(late[len(late)*99/100].Microseconds())/1000, "late-p99-ms")
	b.ReportMetric(0, "ns/op") // the time of a 1 ms sleep says nothing more
}

// Generated with the CLI of https://github.com/P-H-C/phc-winner-argon2/blob/master/argon2-specs.pdf
var testVectors = []struct {
	mode         int
	time, memory uint32
	threads      uint8
	hash         string
}{
	{
		mode: argon2i, time: 1, memory: 64, threads: 1,
		hash: "b9c401d1844a67d50eae3967dc28870b22e508092e861a37",
	},
	{
		mode: argon2id, time: 1, memory: 64, threads: 1,
		hash: "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb",
	},
	{
		mode: argon2i, time: 2, memory: 64, threads: 1,
		hash: "8cf3d8f76a6617afe35fac48eb0b7433a9a670ca4a07ed64",
	},
	{
		mode: argon2id, time: 2, memory: 64, threads: 1,
		hash: "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7",
	},
	{
		mode: argon2i, time: 2, memory: 64, threads: 2,
		hash: "2089f3e78a799720f80af806553128f29b132cafe40d059f",
	},
	{
		mode: argon2id, time: 2, memory: 64, threads: 2,
		hash: "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362",
	},
	{
		mode: argon2i, time: 3, memory: 256, threads: 2,
		hash: "f5bbf5d4c3836af13193053155b73ec7476a6a2eb93fd5e6",
	},
	{
		mode: argon2id, time: 3, memory: 256, threads: 2,
		hash: "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b",
	},
	{
		mode: argon2i, time: 4, memory: 4096, threads: 4,
		hash: "a11f7b7f3f93f02ad4bddb59ab62d121e278369288a0d0e7",
	},
	{
		mode: argon2id, time: 4, memory: 4096, threads: 4,
		hash: "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a",
	},
	{
		mode: argon2i, time: 4, memory: 1024, threads: 8,
		hash: "0cdd3956aa35e6b475a7b0c63488822f774f15b43f6e6e17",
	},
	{
		mode: argon2id, time: 4, memory: 1024, threads: 8,
		hash: "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f",
	},
	{
		mode: argon2i, time: 2, memory: 64, threads: 3,
		hash: "5cab452fe6b8479c8661def8cd703b611a3905a6d5477fe6",
	},
	{
		mode: argon2id, time: 2, memory: 64, threads: 3,
		hash: "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079",
	},
	{
		mode: argon2i, time: 3, memory: 1024, threads: 6,
		hash: "d236b29c2b2a09babee842b0dec6aa1e83ccbdea8023dced",
	},
	{
		mode: argon2id, time: 3, memory: 1024, threads: 6,
		hash: "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016",
	},
}
