package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

type countedDeliveries struct {
	mu     sync.Mutex
	counts map[string]int
}

func (d *countedDeliveries) Delivery(provider string, status domain.DeliveryStatus) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts[provider+" "+string(status)]++
}

// A receipt reaches its provider's reader as it arrived; what the reader reports is
// counted and the vendor gets the answer it expects. A refused receipt is 403 and counts
// nothing; a provider without a reader is 404.
func TestReceiptsAreReadByTheirProvidersReader(t *testing.T) {
	var got struct {
		method, url, token string
		body               []byte
	}
	readers := map[string]ReceiptReader{
		"vendor": func(method, url string, header http.Header, body []byte) ([]domain.DeliveryStatus, []byte, string, error) {
			got.method, got.url, got.token, got.body = method, url, header.Get("X-Vendor-Signature"), body
			if got.token != "right" {
				return nil, nil, "", errors.New("signature does not match")
			}
			return []domain.DeliveryStatus{domain.DeliveryDelivered, domain.DeliveryFailed, domain.DeliveryDelivered},
				[]byte(`{"result":0}`), "application/json", nil
		},
	}
	deliveries := &countedDeliveries{counts: map[string]int{}}
	app := NewApp(Config{Language: langEN, AllowedOrigins: []string{"*"}, RequestTimeout: time.Second, Receipts: readers},
		Deps{App: ports.Application{}, Keys: noKeys{}, Readiness: alwaysReady{}, Observer: noRequests{},
			Deliveries: deliveries, Logger: slog.New(slog.DiscardHandler)})

	r := sendWith(t, app, "/sms/receipts/vendor/?token=t", "application/json", `[{"status":"ok"}]`, "X-Vendor-Signature", "right")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.JSONEq(t, `{"result":0}`, r.body)
	assert.Equal(t, http.MethodPost, got.method)
	assert.Contains(t, got.url, "/sms/receipts/vendor/?token=t")
	assert.Equal(t, `[{"status":"ok"}]`, string(got.body))
	assert.Equal(t, map[string]int{"vendor delivered": 2, "vendor failed": 1}, deliveries.counts)

	r = sendWith(t, app, "/sms/receipts/vendor/", "application/json", `[]`, "X-Vendor-Signature", "forged")
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.JSONEq(t, `{"detail": "Not a delivery receipt of this provider."}`, r.body)
	assert.Len(t, deliveries.counts, 2, "a refused receipt counts nothing")

	r = sendWith(t, app, "/sms/receipts/other/", "application/json", `[]`)
	assert.Equal(t, http.StatusNotFound, r.status)
}
