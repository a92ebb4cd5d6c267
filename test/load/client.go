package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// client sends HTTP/1.1 requests to the service over a pool of keep-alive connections.
// It writes requests and reads answers itself: net/http's client cost the generator
// about half a core at 7,000 requests a second, taken from the service it measures on
// the same machine. It knows just enough HTTP for this service's answers, which carry a
// Content-Length unless they have no body (1xx, 204, 304).
type client struct {
	addr string // host:port of the service
	// oneIP sends every request as 127.0.0.1; otherwise client w claims an address of its
	// own in X-Forwarded-For (the service trusts 127.0.0.1 as a proxy), as users would.
	oneIP bool
	idle  chan *conn
}

// forwardedFor is the address client w claims: one of the IPv6 documentation prefix
// (RFC 3849), which no traffic ever goes to.
func forwardedFor(w int) string { return fmt.Sprintf("2001:db8::%x", w+1) }

// requestTimeout bounds one request, as a client's patience would.
const requestTimeout = 30 * time.Second

func newClient(baseURL string, concurrency int, oneIP bool) *client {
	return &client{addr: strings.TrimPrefix(baseURL, "http://"), oneIP: oneIP, idle: make(chan *conn, 2*concurrency)}
}

// conn is one keep-alive connection and its buffers.
type conn struct {
	net.Conn
	r   *bufio.Reader
	req []byte
}

// get returns an idle connection, and true, or a new one.
func (c *client) get() (*conn, bool, error) {
	select {
	case cn := <-c.idle:
		return cn, true, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return nil, false, err
	}
	return &conn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10)}, false, nil
}

// put keeps cn for the next request, or closes it when the pool is full.
func (c *client) put(cn *conn) {
	select {
	case c.idle <- cn:
	default:
		cn.Close()
	}
}

// do sends a request of client w with an optional JSON body and returns the status and body.
func (c *client) do(ctx context.Context, w int, method, path string, body []byte, authorization string) (int, []byte, error) {
	for {
		cn, reused, err := c.get()
		if err != nil {
			return 0, nil, err
		}
		cn.req = c.request(cn.req[:0], w, method, path, body, authorization)
		status, raw, keep, err := cn.roundTrip(ctx)
		if err != nil || !keep {
			cn.Close()
		} else {
			c.put(cn)
		}
		// A kept connection that the service closed while it was idle fails before any
		// answer: the request never reached the service, so it goes again on another.
		if reused && errors.Is(err, errNoAnswer) && ctx.Err() == nil {
			continue
		}
		return status, raw, err
	}
}

// errNoAnswer is a connection the service closed before the first byte of an answer.
var errNoAnswer = errors.New("connection closed before an answer")

// closed marks err with errNoAnswer when it says the service closed the connection.
func closed(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", errNoAnswer, err)
	}
	return err
}

// request appends the request's bytes to b.
func (c *client) request(b []byte, w int, method, path string, body []byte, authorization string) []byte {
	b = fmt.Appendf(b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, c.addr)
	if body != nil {
		b = fmt.Appendf(b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	if authorization != "" {
		b = fmt.Appendf(b, "Authorization: %s\r\n", authorization)
	}
	if !c.oneIP {
		b = fmt.Appendf(b, "X-Forwarded-For: %s\r\n", forwardedFor(w))
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// roundTrip writes cn.req and reads the answer: its status, its body, and whether the
// connection may carry another request. It gives up after requestTimeout, or when ctx ends.
func (cn *conn) roundTrip(ctx context.Context) (status int, body []byte, keep bool, err error) {
	if err := cn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, nil, false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = cn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := cn.Write(cn.req); err != nil {
		return 0, nil, false, closed(err)
	}
	line, err := cn.r.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 {
			err = closed(err)
		}
		return 0, nil, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep := -1, true
	for {
		line, err := cn.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		header := bytes.TrimRight(line, "\r\n")
		if len(header) == 0 {
			break
		}
		name, value, _ := bytes.Cut(header, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, nil, false, errors.New("chunked answers are not supported")
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keep = false
		}
	}
	if length < 0 {
		if status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified {
			return 0, nil, false, errors.New("answer without Content-Length")
		}
		length = 0
	}
	body = make([]byte, length)
	if _, err := io.ReadFull(cn.r, body); err != nil {
		return 0, nil, false, err
	}
	return status, body, keep, nil
}
