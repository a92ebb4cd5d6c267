package httpapi

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lingeringPair is a connection accepted through LingeringListener and its client end.
func lingeringPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	server, err = LingeringListener(ln).Accept()
	require.NoError(t, err)
	require.NoError(t, client.SetDeadline(time.Now().Add(10*time.Second)))
	return server, client
}

// The server answers after reading a little and closes; the client, still sending, then
// reads the whole answer and the end of the stream, not a reset.
func TestLingeringCloseKeepsTheAnswer(t *testing.T) {
	upload := strings.Repeat("x", 3<<20)
	for i := range 20 {
		server, client := lingeringPair(t)
		go func() {
			_, _ = server.Read(make([]byte, 4096))
			_, _ = io.WriteString(server, "the answer")
			_ = server.Close()
		}()
		_, err := io.WriteString(client, upload)
		require.NoError(t, err, "attempt %d: sending", i)
		answer, err := io.ReadAll(client)
		require.NoError(t, err, "attempt %d: reading", i)
		require.Equal(t, "the answer", string(answer))
	}
}

// Closing a connection that the server is reading from (an idle keep-alive one, at
// shutdown) ends that Read at once, as a plain close does.
func TestLingeringCloseEndsAReadInProgress(t *testing.T) {
	server, client := lingeringPair(t)
	readErr := make(chan error, 1)
	go func() {
		_, err := server.Read(make([]byte, 1))
		readErr <- err
	}()
	time.Sleep(50 * time.Millisecond) // the Read is waiting
	start := time.Now()
	require.NoError(t, server.Close())
	require.Error(t, <-readErr)
	require.Less(t, time.Since(start), lingerTime/2)
	_, err := client.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)

	_, err = server.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed, "nothing but the drain reads after Close")
}
