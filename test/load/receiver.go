package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"time"

	"github.com/phoneauth/phoneauth/adapters/sms"
)

// receiver is the SMS gateway of the service under test (its webhook provider): it checks
// each message's signature and keeps the newest code per mobile, for registrations.
type receiver struct {
	server *httptest.Server
	url    string
	secret string

	mu    sync.Mutex
	codes map[string]string
}

var codeInText = regexp.MustCompile(`\b\d{4,10}\b`)

// startReceiver listens on a loopback port (httptest binds 127.0.0.1).
func startReceiver() (*receiver, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	r := &receiver{secret: "whsec_" + base64.StdEncoding.EncodeToString(secret), codes: map[string]string{}}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	r.url = r.server.URL + "/sms"
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<16))
	if err != nil {
		http.Error(w, `{"detail": "unreadable body"}`, http.StatusBadRequest)
		return
	}
	if sms.VerifyWebhook(r.secret, req.Header, body, time.Now()) != nil {
		http.Error(w, `{"detail": "bad signature"}`, http.StatusUnauthorized)
		return
	}
	var msg struct{ Mobile, Text string }
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(w, `{"detail": "not JSON"}`, http.StatusBadRequest)
		return
	}
	code := codeInText.FindString(msg.Text)
	if code == "" {
		http.Error(w, `{"detail": "no code in the text"}`, http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.codes[msg.Mobile] = code
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status": "sent"}`)
}

// code returns the newest code sent to mobile.
func (r *receiver) code(mobile string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	code, ok := r.codes[mobile]
	return code, ok
}

func (r *receiver) close() { r.server.Close() }
