package component_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// The README walk-through on Postgres: code, registration, both logins, profile, API token.
func TestWalkThroughOnPostgres(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"DATABASE_URL": testdb.PostgresURL(t)})
	mobile := harness.NewMobile()
	h.Register(mobile, "correct horse")
	token := h.Login(mobile, "correct horse")
	auth := []string{"Authorization", "JWT " + token}
	harness.Expect(t, h.Request(http.MethodPatch, "/users/1/", map[string]any{"name": "小明", "birthday": "1990-05-17"}, auth...), http.StatusOK,
		`{"name": "小明", "gender": "female", "birthday": "1990-05-17", "email": null, "mobile": "`+mobile+`"}`)
	r := h.Post("/api-token-auth/", map[string]any{"username": mobile, "password": "correct horse"})
	require.Equal(t, http.StatusOK, r.Status)
	key := r.JSON(t)["token"].(string)
	h.AddSecrets(key)
	require.Equal(t, http.StatusOK, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "Token "+key).Status)
}

// Losing the database while serving answers 503 in the contract's envelope, and the
// service recovers by itself when the database is back; also with the simple protocol,
// which a DATABASE_URL behind a PgBouncer in transaction mode chooses.
func TestDatabaseLostWhileServing(t *testing.T) {
	t.Parallel()
	for name, execMode := range map[string]string{"modes chosen by the store": "", "simple protocol": "simple_protocol"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			databaseURL, proxy := proxiedPostgres(t, execMode)
			h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
			token := h.Register(harness.NewMobile(), "correct horse")
			auth := []string{"Authorization", "JWT " + token}

			proxy.cut()
			harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, auth...), http.StatusServiceUnavailable,
				`{"detail": "Service temporarily unavailable, try again later."}`)
			harness.Expect(t, h.Post("/code/", map[string]any{"mobile": harness.NewMobile()}, "Accept-Language", "zh-hans"), http.StatusServiceUnavailable,
				`{"detail": "服务暂不可用，请稍后再试。"}`)

			proxy.restore()
			require.Eventually(t, func() bool {
				return h.Request(http.MethodGet, "/users/1/", nil, auth...).Status == http.StatusOK
			}, 10*time.Second, 100*time.Millisecond, "the service did not recover")
		})
	}
}

// proxiedPostgres returns a DATABASE_URL for a fresh schema reached through a proxy that
// the test can cut or pause, in pgx's exec mode execMode ("": the one the store chooses).
func proxiedPostgres(t *testing.T, execMode string) (string, *tcpProxy) {
	t.Helper()
	target, err := url.Parse(testdb.PostgresURL(t))
	require.NoError(t, err)
	proxy := startTCPProxy(t, target.Host)
	target.Host = proxy.addr
	q := target.Query()
	q.Set("connect_timeout", "2")
	q.Del("default_query_exec_mode") // PHONEAUTH_TEST_POSTGRES_URL may set one
	if execMode != "" {
		q.Set("default_query_exec_mode", execMode)
	}
	target.RawQuery = q.Encode()
	return target.String(), proxy
}

// tcpProxy forwards connections to a server and can cut them all, like a database
// that goes away, then accept again on the same address; or pause, like a database that
// hangs: connections stay open and nothing is forwarded until it resumes.
type tcpProxy struct {
	t      *testing.T
	addr   string
	target string

	mu       sync.Mutex
	listener net.Listener
	conns    []net.Conn
	resumed  chan struct{} // closed while forwarding; open while paused
}

func startTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, resumed: make(chan struct{})}
	close(p.resumed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.listener = ln
	p.mu.Unlock()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", p.target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			go p.pipe(client, server)
			go p.pipe(server, client)
		}
	}()
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			resumed := p.resumed
			p.mu.Unlock()
			<-resumed
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// pause stops forwarding, in both directions, on every connection, new ones included.
func (p *tcpProxy) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resumed = make(chan struct{})
}

// resume forwards again what was held and what comes.
func (p *tcpProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.resumed)
}

// cut closes the listener and every open connection.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listener != nil {
		p.listener.Close()
		p.listener = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *tcpProxy) restore() {
	var ln net.Listener
	require.Eventually(p.t, func() bool {
		var err error
		ln, err = (&net.ListenConfig{}).Listen(context.Background(), "tcp", p.addr)
		return err == nil
	}, 5*time.Second, 50*time.Millisecond)
	p.serve(ln)
}
