package httpapi

import (
	"slices"

	"github.com/gofiber/fiber/v2"
)

const corsAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT"

// cors answers preflight requests and marks responses for allowed origins, as
// django-cors-headers did for the original. allowed holds "*" or exact origins.
func cors(allowed []string) fiber.Handler {
	any := slices.Contains(allowed, "*")
	return func(c *fiber.Ctx) error {
		origin := c.Get(fiber.HeaderOrigin)
		// Caches must key on what the answer may depend on: the origin (when origins are
		// listed) and, for a preflight, the request headers echoed back.
		c.Vary(fiber.HeaderOrigin, fiber.HeaderAccessControlRequestMethod, fiber.HeaderAccessControlRequestHeaders)
		allowedOrigin := ""
		switch {
		case any:
			allowedOrigin = "*"
		case origin != "" && slices.Contains(allowed, origin):
			allowedOrigin = origin
		}
		if allowedOrigin != "" {
			c.Set(fiber.HeaderAccessControlAllowOrigin, allowedOrigin)
		}
		if c.Method() != fiber.MethodOptions || c.Get(fiber.HeaderAccessControlRequestMethod) == "" {
			return c.Next()
		}
		if allowedOrigin != "" {
			c.Set(fiber.HeaderAccessControlAllowMethods, corsAllowMethods)
			if h := c.Get(fiber.HeaderAccessControlRequestHeaders); h != "" {
				c.Set(fiber.HeaderAccessControlAllowHeaders, h)
			}
			c.Set(fiber.HeaderAccessControlMaxAge, "86400")
		}
		return c.SendStatus(fiber.StatusOK)
	}
}
