package httpapi

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// unknownMethodKey holds, as a request's user value, the method it came with when Fiber
// does not know that method.
type unknownMethodKey struct{}

// unknownMethodLabel is the metric label of every method Fiber does not know: a label per
// method sent would let clients create series without end.
const unknownMethodLabel = "OTHER"

// routeUnknownMethods passes a request whose method Fiber does not know (PROPFIND, FOO)
// to Fiber as TRACE, which no route serves, so that it goes through the middleware and
// gets the 405 of a known path (with Allow) or the 404 of an unknown one, logged and
// counted. Fiber itself would answer it with a text/plain 400 before any middleware.
func routeUnknownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if method := ctx.Method(); !slices.Contains(fiber.DefaultMethods, string(method)) {
			ctx.SetUserValue(unknownMethodKey{}, string(method))
			ctx.Request.Header.SetMethod(fiber.MethodTrace)
		}
		next(ctx)
	}
}

// requestMethod is the method the request came with, and whether Fiber knows it.
func requestMethod(c *fiber.Ctx) (string, bool) {
	if method, ok := c.Locals(unknownMethodKey{}).(string); ok {
		return method, false
	}
	return c.Method(), true
}
