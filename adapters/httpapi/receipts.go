package httpapi

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
)

// ReceiptReader authenticates and reads one SMS vendor's delivery receipt, from the request
// as it arrived: it returns the statuses the receipt reports and the answer (body and
// content type) the vendor expects, or an error for a request that is not the vendor's
// (forged, stale, malformed).
type ReceiptReader func(method, url string, header http.Header, body []byte) ([]domain.DeliveryStatus, []byte, string, error)

// DeliveryObserver counts what the vendors' receipts report, for the delivery metric.
// Calls must be cheap and safe for concurrent use.
type DeliveryObserver interface {
	Delivery(provider string, status domain.DeliveryStatus)
}

// slugReceiptRefused answers a receipt that its reader refused.
const slugReceiptRefused = "receipt_refused"

// receipts serves POST /sms/receipts/{provider}/ for the providers that read receipts: a
// provider without a reader is 404, a refused receipt 403 with a WARN line (no body: it
// may hold numbers), and a read one is counted and answered as its vendor expects.
func receipts(readers map[string]ReceiptReader, deliveries DeliveryObserver, warn func(c *fiber.Ctx, msg string, args ...any)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		provider := c.Params("provider")
		read, ok := readers[provider]
		if !ok {
			return fiber.ErrNotFound
		}
		header := http.Header{}
		c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
		statuses, answer, contentType, err := read(c.Method(), c.Request().URI().String(), header, c.Body())
		if err != nil {
			warn(c, "delivery receipt refused", "provider", provider, "error", err)
			return &apiError{status: fiber.StatusForbidden, slug: slugReceiptRefused}
		}
		for _, s := range statuses {
			deliveries.Delivery(provider, s)
		}
		c.Set(fiber.HeaderContentType, contentType)
		return c.Send(answer)
	}
}
