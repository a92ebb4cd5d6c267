package httpapi

import (
	_ "embed" // the OpenAPI document ships inside the binary

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes every route NewApp serves. test/openapi validates real
// requests and answers against it and fails on a route it does not list.
//
//go:embed openapi.json
var openAPIDocument []byte

// serveOpenAPI answers GET /openapi.json with the embedded document.
func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openAPIDocument)
}
