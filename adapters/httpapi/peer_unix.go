//go:build unix

package httpapi

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// peerCheckInterval is how often a running request looks whether its client has gone: a
// request that answers sooner never looks.
const peerCheckInterval = 50 * time.Millisecond

// watchPeer calls gone when the peer of conn closes it, until stop is called. It peeks at
// the socket without reading: bytes of a pipelined request stay for the server, and only
// an orderly close or a reset counts, as in net/http.
func watchPeer(conn net.Conn, gone func()) (stop func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return func() {}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	var (
		mu      sync.Mutex
		stopped bool
		timer   *time.Timer
	)
	mu.Lock()
	defer mu.Unlock()
	timer = time.AfterFunc(peerCheckInterval, func() {
		if peerClosed(raw) {
			gone()
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer.Reset(peerCheckInterval)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}

// peerClosed tells whether the peer has closed or reset the connection.
func peerClosed(raw syscall.RawConn) bool {
	var (
		n       int
		peekErr error
		buf     [1]byte
	)
	err := raw.Read(func(fd uintptr) bool {
		n, _, peekErr = unix.Recvfrom(int(fd), buf[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return true
	})
	switch {
	case err != nil:
		return errors.Is(err, net.ErrClosed)
	case peekErr != nil:
		return errors.Is(peekErr, unix.ECONNRESET)
	}
	return n == 0
}
