package httpapi

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the peer's address, or, when the peer is a trusted proxy, the nearest
// address in X-Forwarded-For that is not a trusted proxy. Reading the header from the
// right means a client cannot choose its IP by sending its own X-Forwarded-For.
func clientIP(c *fiber.Ctx, trusted []netip.Prefix) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return ""
	}
	ip := peer.Unmap()
	if !isTrusted(ip, trusted) {
		return ip.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: stop at the last address we could trust
		}
		ip = hop.Unmap()
		if !isTrusted(ip, trusted) {
			break
		}
	}
	return ip.String()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
