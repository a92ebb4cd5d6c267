package component_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// served is the whole service listening on a loopback port, as the executable serves it
// (bootstrap.ServerModule), for what only a real connection shows.
type served struct {
	addr string
	log  *harness.SyncBuffer
}

func serve(t *testing.T, env map[string]string) served {
	t.Helper()
	vars := map[string]string{
		"HTTP_ADDR": "127.0.0.1:0", "DATABASE_URL": testdb.SQLiteURL(t), "JWT_SECRET": harness.Secret,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := bootstrap.LoadConfig(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	require.NoError(t, err)
	s := served{log: &harness.SyncBuffer{}}
	app := fx.New(bootstrap.Options(cfg, slog.New(slog.NewJSONHandler(s.log, nil))), bootstrap.ServerModule, fx.NopLogger)
	require.NoError(t, app.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, app.Stop(context.Background())) })
	for _, line := range strings.Split(s.log.String(), "\n") {
		var entry struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "phoneauth listening" {
			s.addr = entry.Addr
		}
	}
	require.NotEmpty(t, s.addr, "no listening line in the log:\n%s", s.log.String())
	return s
}

// exchange writes raw bytes on a new connection and reads one answer.
func (s served) exchange(t *testing.T, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", s.addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, raw)
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// A request fasthttp cannot parse is answered in the envelope with a fixed message: the
// parser's own error quotes the request head, credentials included.
func TestUnparsableRequestIsNotEchoed(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	const token, cookie = "JWT secret-token-of-the-client", "sessionid=secret-cookie-of-the-client"
	head := "Authorization: " + token + "\r\nCookie: " + cookie + "\r\n"
	malformed := `{"detail": "Malformed request."}`
	for name, row := range map[string]struct {
		raw    string
		status int
		want   string
	}{
		"bad Content-Length":      {"POST /code/ HTTP/1.1\r\nHost: localhost\r\n" + head + "Content-Length: abc\r\n\r\n", http.StatusBadRequest, malformed},
		"negative Content-Length": {"POST /code/ HTTP/1.1\r\nHost: localhost\r\n" + head + "Content-Length: -1\r\n\r\n", http.StatusBadRequest, malformed},
		"no method":               {"/code/\r\nHost: localhost\r\n" + head + "\r\n", http.StatusBadRequest, malformed},
		"headers too large": {"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + head + "X-Padding: " + strings.Repeat("p", 8<<10) + "\r\n\r\n",
			http.StatusRequestHeaderFieldsTooLarge, `{"detail": "Request header fields too large."}`},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := s.exchange(t, row.raw)
			require.Equal(t, row.status, res.StatusCode, "body: %s", body)
			require.Equal(t, "application/json", res.Header.Get("Content-Type"))
			require.JSONEq(t, row.want, body)
			for _, leak := range []string{"secret-token", "secret-cookie", "Authorization"} {
				require.NotContains(t, body, leak)
			}
		})
	}
}

func TestUnknownMethodOverTheWire(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	res, body := s.exchange(t, "PROPFIND /users/1/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "body: %s", body)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.Equal(t, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS", res.Header.Get("Allow"))
	require.JSONEq(t, `{"detail": "Method \"PROPFIND\" not allowed."}`, body)
	require.Contains(t, s.log.String(), `"method":"PROPFIND","route":"/users/:any/","status":405`)
}

// A body over the limit is answered 413 before it is read, and the connection closed. A
// client that sends the whole body before reading (as curl and Python's requests may)
// must still read that answer, not a connection reset.
func TestBodyOverTheLimitGetsItsAnswer(t *testing.T) {
	t.Parallel()
	s := serve(t, nil)
	body := strings.Repeat("x", 3<<20)
	head := "POST /code/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	for i := range 20 {
		conn, err := net.Dial("tcp", s.addr)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = io.WriteString(conn, head+body)
		require.NoError(t, err, "attempt %d: sending the body", i)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "attempt %d: reading the answer", i)
		answer, err := io.ReadAll(res.Body)
		require.NoError(t, err, "attempt %d", i)
		conn.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "attempt %d: %s", i, answer)
		require.Equal(t, "application/json", res.Header.Get("Content-Type"))
		require.JSONEq(t, `{"detail": "Request body too large."}`, string(answer))
	}
}
