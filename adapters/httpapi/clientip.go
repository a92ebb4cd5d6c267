package httpapi

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientAddr is the peer's address, or, when the peer is a trusted proxy, the nearest
// address in X-Forwarded-For that is not a trusted proxy. Every X-Forwarded-For line
// counts, in order, as one list: a proxy may append its own line after the client's
// (HAProxy does), and reading only the first would let the client choose its address.
// Reading from the right means a client cannot choose its IP by sending the header.
func clientAddr(c *fiber.Ctx, trusted []netip.Prefix) netip.Addr {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return netip.Addr{}
	}
	ip := peer.Unmap()
	if !isTrusted(ip, trusted) {
		return ip
	}
	lines := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	for i := len(lines) - 1; i >= 0; i-- {
		hops := string(lines[i])
		for hops != "" {
			var hop string
			if comma := strings.LastIndexByte(hops, ','); comma >= 0 {
				hops, hop = hops[:comma], hops[comma+1:]
			} else {
				hops, hop = "", hops
			}
			addr, ok := parseHop(hop)
			if !ok {
				return ip // a garbled hop: stop at the last address we could trust
			}
			ip = addr
			if !isTrusted(ip, trusted) {
				return ip
			}
		}
	}
	return ip
}

// clientIP is clientAddr as text, "" when the peer has no IP address.
func clientIP(c *fiber.Ctx, trusted []netip.Prefix) string {
	if ip := clientAddr(c, trusted); ip.IsValid() {
		return ip.String()
	}
	return ""
}

// parseHop reads one X-Forwarded-For entry: "IP", "IP:port", "[v6]:port" or "[v6]".
// An IPv4-mapped IPv6 address is the IPv4 address; a zone is dropped.
func parseHop(hop string) (netip.Addr, bool) {
	hop = strings.TrimSpace(hop)
	if ip, err := netip.ParseAddr(hop); err == nil {
		return ip.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if inner, ok := strings.CutPrefix(hop, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			if ip, err := netip.ParseAddr(inner); err == nil && ip.Is6() {
				return ip.Unmap().WithZone(""), true
			}
		}
	}
	return netip.Addr{}, false
}

// limitKey is the identity abuse limits count a client under: an IPv4 address, or the
// IPv6 prefix of v6Bits bits holding the address. One IPv6 subscriber usually holds a
// whole /64 (or more) and can pick a fresh address for every request.
func limitKey(ip netip.Addr, v6Bits int) string {
	if !ip.IsValid() {
		return ""
	}
	if ip.Is4() {
		return ip.String()
	}
	prefix, err := ip.Prefix(v6Bits)
	if err != nil {
		return ip.String() // v6Bits out of range: configuration rejects that at start
	}
	return prefix.String()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
