package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientRoundTrip checks the generator's HTTP client against net/http's server: what it
// sends arrives whole, answers come back with their status and body, and keep-alive
// connections are reused.
func TestClientRoundTrip(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		assert.Equal(t, "JWT abc", r.Header.Get("Authorization"))
		assert.Equal(t, forwardedFor(3), r.Header.Get("X-Forwarded-For"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write(append([]byte(r.Method+" "+r.URL.Path+" "), body...))
	})

	c := newClient(srv.URL, 1, false)
	for range 3 {
		status, body, err := c.do(t.Context(), 3, http.MethodPost, "/login/", []byte(`{"a":"b"}`), "JWT abc")
		require.NoError(t, err)
		assert.Equal(t, http.StatusTeapot, status)
		assert.Equal(t, `POST /login/ {"a":"b"}`, string(body))
	}
	status, body, err := c.do(t.Context(), 3, http.MethodGet, "/users/1/", nil, "JWT abc")
	require.NoError(t, err)
	assert.Equal(t, http.StatusTeapot, status)
	assert.Equal(t, "GET /users/1/ ", string(body))
	assert.EqualValues(t, 1, conns.Load(), "one keep-alive connection serves every request")
}

// TestClientRefusesChunkedAnswers: an answer whose length the client cannot know is an
// error, not a silently truncated body.
func TestClientRefusesChunkedAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("part"))
		w.(http.Flusher).Flush() // no Content-Length: the rest comes chunked
	}))
	defer srv.Close()
	_, _, err := newClient(srv.URL, 1, true).do(t.Context(), 0, http.MethodGet, "/", nil, "")
	require.ErrorContains(t, err, "chunked")
}

// TestClientReadsAnswersWithoutBody: 204 carries no Content-Length and no body.
func TestClientReadsAnswersWithoutBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newClient(srv.URL, 1, true)
	for range 2 { // the connection stays usable after it
		status, body, err := c.do(t.Context(), 0, http.MethodPost, "/logout/", []byte(`{}`), "")
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, status)
		assert.Empty(t, body)
	}
}

// TestClientHonoursConnectionClose: an answer with "Connection: close" ends its
// connection, and the next request opens another.
func TestClientHonoursConnectionClose(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	})
	c := newClient(srv.URL, 1, true)
	for range 3 {
		status, body, err := c.do(t.Context(), 0, http.MethodGet, "/", nil, "")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "bye", string(body))
	}
	assert.EqualValues(t, 3, conns.Load())
}

// TestClientRetriesAConnectionClosedWhileIdle: the service closing an idle keep-alive
// connection is not a failed request.
func TestClientRetriesAConnectionClosedWhileIdle(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Config.IdleTimeout = 20 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c := newClient(srv.URL, 1, true)
	for range 2 {
		status, _, err := c.do(t.Context(), 0, http.MethodGet, "/", nil, "")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
		time.Sleep(100 * time.Millisecond) // the server closes the idle connection
	}
}

// TestClientStopsWhenTheContextEnds: a cancelled run does not wait for slow answers.
func TestClientStopsWhenTheContextEnds(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := newClient(srv.URL, 1, true).do(ctx, 0, http.MethodGet, "/", nil, "")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// countingServer serves handler until the test ends and counts the connections it accepts.
func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	conns := new(atomic.Int64)
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, conns
}
