package httpapi

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// What a closing connection still reads: enough for a client that sends a body of a few
// MiB before it reads the answer, little enough that one that never stops sending holds
// nothing for long.
const (
	lingerBytes = 4 << 20
	lingerTime  = 2 * time.Second
)

// LingeringListener wraps ln, the server's listener, so that closing a connection does not
// destroy the answer just written on it.
//
// The server answers some requests before reading them whole (a body over the limit gets
// its 413 at once) and then closes the connection. A socket closed with unread data sends
// a reset, which can reach the client before it has read the answer, or while it is still
// sending. So a connection of ln closes as Go's net/http closes one: it shuts down its
// write side (the client reads the answer, then the end of the stream), discards what the
// client still sends, up to lingerBytes or for lingerTime, and only then closes, in a
// goroutine of its own: Close returns at once.
func LingeringListener(ln net.Listener) net.Listener { return lingeringListener{ln} }

type lingeringListener struct{ net.Listener }

func (l lingeringListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if hc, ok := conn.(halfCloser); ok {
		return &lingeringConn{halfCloser: hc}, nil
	}
	return conn, nil
}

// halfCloser is a connection that can shut down its write side alone (TCP, Unix).
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

type lingeringConn struct {
	halfCloser
	closeOnce sync.Once
	closed    atomic.Bool
	reading   atomic.Int32 // Reads in progress
}

// Read fails once Close was called, so that only the drain reads after it.
func (c *lingeringConn) Read(p []byte) (int, error) {
	c.reading.Add(1)
	defer c.reading.Add(-1)
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	return c.halfCloser.Read(p)
}

// Close lingers as LingeringListener says, unless a Read is in progress: then the server
// is closing a connection it waits on (an idle one, at shutdown), which has no answer to
// protect, and the Read must end now.
func (c *lingeringConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		if c.reading.Load() > 0 || c.CloseWrite() != nil {
			err = c.halfCloser.Close()
			return
		}
		go c.drainAndClose()
	})
	return err
}

// SyscallConn exposes the socket, so that a request can look whether its client has gone.
func (c *lingeringConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.halfCloser.(syscall.Conn)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}

func (c *lingeringConn) drainAndClose() {
	_ = c.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyN(io.Discard, c.halfCloser, lingerBytes)
	_ = c.halfCloser.Close()
}
