package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientRoundTrip checks the generator's HTTP client against net/http's server: what it
// sends arrives whole, answers come back with their status and body, and keep-alive
// connections are reused.
func TestClientRoundTrip(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		assert.Equal(t, "JWT abc", r.Header.Get("Authorization"))
		assert.Equal(t, forwardedFor(3), r.Header.Get("X-Forwarded-For"))
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write(append([]byte(r.Method+" "+r.URL.Path+" "), body...))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

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
