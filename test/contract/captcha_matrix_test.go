package contract_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/phoneauth/phoneauth/adapters/captcha"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

// TestHumanVerifier runs the CAPTCHA contract against the siteverify client of every
// provider, each against a local fake answering as that vendor documents.
func TestHumanVerifier(t *testing.T) {
	answers := map[string]struct{ pass, refuse string }{
		captcha.Turnstile: {
			`{"success": true, "error-codes": [], "challenge_ts": "2026-12-01T08:00:00.000Z", "hostname": "shop.example", "action": "", "cdata": ""}`,
			`{"success": false, "error-codes": ["invalid-input-response"], "messages": []}`,
		},
		captcha.HCaptcha: {
			`{"success": true, "challenge_ts": "2026-12-01T08:00:00Z", "hostname": "shop.example", "credit": false}`,
			`{"success": false, "error-codes": ["invalid-or-already-seen-response"]}`,
		},
		captcha.ReCAPTCHA: {
			`{"success": true, "challenge_ts": "2026-12-01T08:00:00Z", "hostname": "shop.example"}`,
			`{"success": false, "error-codes": ["timeout-or-duplicate"]}`,
		},
	}
	for provider, answer := range answers {
		t.Run(provider, func(t *testing.T) {
			contract.HumanVerifier(t, func(t *testing.T) contract.HumanVerifierHarness {
				f := newFakeSiteverify(t, answer.pass, answer.refuse)
				return contract.HumanVerifierHarness{
					Verifier: captcha.New(captcha.Config{Provider: provider, Secret: f.secret, URL: f.server.URL, Timeout: time.Second}),
					Human:    f.human, Bot: "bot-token-from-a-script", Secrets: []string{f.secret},
					Asked: f.asked, BeUnavailable: f.beUnavailable,
				}
			})
		})
	}
}

// fakeSiteverify answers pass to the one human token sent with the secret, refuse to any
// other, and 502 with an HTML page once unavailable.
type fakeSiteverify struct {
	server        *httptest.Server
	secret, human string
	mu            sync.Mutex
	got           []ports.VerifyHuman
	down          bool
}

func newFakeSiteverify(t *testing.T, pass, refuse string) *fakeSiteverify {
	f := &fakeSiteverify{secret: "0x-the-site-secret", human: "P1_human-token.from+the/widget="}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(raw))
		f.mu.Lock()
		down := f.down
		if !down {
			q := ports.VerifyHuman{Token: form.Get("response"), RemoteIP: form.Get("remoteip")}
			f.got = append(f.got, q)
		}
		f.mu.Unlock()
		switch {
		case down:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>502 Bad Gateway</html>")
		case err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
			_, _ = io.WriteString(w, `{"success": false, "error-codes": ["bad-request"]}`)
		case form.Get("secret") != f.secret:
			_, _ = io.WriteString(w, `{"success": false, "error-codes": ["invalid-input-secret"]}`)
		case form.Get("response") == f.human:
			_, _ = io.WriteString(w, pass)
		default:
			_, _ = io.WriteString(w, refuse)
		}
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeSiteverify) asked() []ports.VerifyHuman {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ports.VerifyHuman(nil), f.got...)
}

func (f *fakeSiteverify) beUnavailable() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = true
}
