package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// client sends HTTP/1.1 requests to the service over a pool of keep-alive connections.
// It writes requests and reads answers itself: net/http's client cost the generator
// about half a core at 7,000 requests a second, taken from the service it measures on
// the same machine. It knows just enough HTTP for this service's answers, which always
// carry a Content-Length.
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

// get returns an idle connection, or a new one.
func (c *client) get() (*conn, error) {
	select {
	case cn := <-c.idle:
		return cn, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10)}, nil
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
	cn, err := c.get()
	if err != nil {
		return 0, nil, err
	}
	deadline := time.Now().Add(requestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	status, raw, keep, err := cn.roundTrip(deadline, c.request(cn.req[:0], w, method, path, body, authorization))
	if err != nil || !keep {
		cn.Close()
	} else {
		c.put(cn)
	}
	return status, raw, err
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

// roundTrip writes req and reads the answer: its status, its body, and whether the
// connection may carry another request.
func (cn *conn) roundTrip(deadline time.Time, req []byte) (status int, body []byte, keep bool, err error) {
	cn.req = req
	if err := cn.SetDeadline(deadline); err != nil {
		return 0, nil, false, err
	}
	if _, err := cn.Write(req); err != nil {
		return 0, nil, false, err
	}
	line, err := cn.r.ReadSlice('\n')
	if err != nil {
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
		return 0, nil, false, errors.New("answer without Content-Length")
	}
	body = make([]byte, length)
	if _, err := io.ReadFull(cn.r, body); err != nil {
		return 0, nil, false, err
	}
	return status, body, keep, nil
}
