package sms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const (
	// defaultTimeout bounds a request when the configuration gives none: a vendor that
	// hangs must not hang the sign-up request with it.
	defaultTimeout = 10 * time.Second
	// maxAnswer is more than any vendor answer needs; a larger body is not read.
	maxAnswer = 64 << 10
)

// httpSender is what the HTTP providers share: a client, a per-request time-out, and the
// rule that a failure to get an answer is unavailability.
type httpSender struct {
	client  *http.Client
	timeout time.Duration
}

func newHTTPSender(client *http.Client, timeout time.Duration) httpSender {
	if client == nil {
		client = &http.Client{}
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return httpSender{client: client, timeout: timeout}
}

// answer is a vendor's reply, read in full (up to maxAnswer).
type answer struct {
	status int
	body   []byte
}

// post sends body to url and reads the answer. Any error is already marked unavailable.
func (s httpSender) post(ctx context.Context, url, contentType string, body []byte, header http.Header) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{}, unavailable(fmt.Errorf("building request: %w", err))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{}, unavailable(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, unavailable(fmt.Errorf("reading answer (HTTP %d): %w", resp.StatusCode, err))
	}
	return answer{status: resp.StatusCode, body: b}, nil
}
