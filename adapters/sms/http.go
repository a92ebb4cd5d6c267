package sms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// post sends body to target and reads the answer. Any error is already marked
// unavailable, and names target only redacted: the error ends up in the log.
func (s httpSender) post(ctx context.Context, target, contentType string, body []byte, header http.Header) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return answer{}, unavailable(fmt.Errorf("building request: %w", redactURLError(err)))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return answer{}, unavailable(redactURLError(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, unavailable(fmt.Errorf("reading answer (HTTP %d): %w", resp.StatusCode, err))
	}
	return answer{status: resp.StatusCode, body: b}, nil
}

// redacted stands for the parts of a URL that RedactURL hides.
const redacted = "xxxxx"

// RedactURL is raw as the service prints it: user info and query, where vendors and
// databases take credentials (https://user:key@host/send?key=...), hidden whole, and no
// fragment.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	if u.RawQuery != "" {
		u.RawQuery = redacted
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// redactURLError redacts the URL of the *url.Error that net/http returns; net/http hides
// only a password.
func redactURLError(err error) error {
	uerr, ok := err.(*url.Error)
	if !ok {
		return err
	}
	return &url.Error{Op: uerr.Op, URL: RedactURL(uerr.URL), Err: uerr.Err}
}
