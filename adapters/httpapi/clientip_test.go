package httpapi

import (
	"io"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
)

// app.Test's peer is 0.0.0.0; trusting it lets each row choose X-Forwarded-For.
var testPeer = netip.MustParsePrefix("0.0.0.0/32")

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{testPeer, netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	rows := []struct {
		name    string
		trusted []netip.Prefix
		lines   []string
		want    string
	}{
		{"no header: the peer", proxies, nil, "0.0.0.0"},
		{"untrusted peer: its header is ignored", nil, []string{"203.0.113.7"}, "0.0.0.0"},
		{"one hop", proxies, []string{"203.0.113.7"}, "203.0.113.7"},
		{"the rightmost untrusted hop", proxies, []string{"198.51.100.1, 203.0.113.7, 10.0.0.2"}, "203.0.113.7"},
		{"lines join in order", proxies, []string{"198.51.100.1", "203.0.113.7, 10.0.0.2", "10.0.0.3"}, "203.0.113.7"},
		{"a forged first line", proxies, []string{"198.51.100.1", "203.0.113.7"}, "203.0.113.7"},
		{"every hop trusted: the leftmost", proxies, []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.1"},
		{"IPv4 with a port", proxies, []string{"203.0.113.7:5555"}, "203.0.113.7"},
		{"IPv6 with a port", proxies, []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv6 in brackets", proxies, []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"a trusted IPv6 proxy with a port", proxies, []string{"2001:db8::1, [fd00::1]:80"}, "2001:db8::1"},
		{"IPv4-mapped IPv6 is IPv4", proxies, []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"a zone is dropped", proxies, []string{"fe80::1%eth0"}, "fe80::1"},
		{"spaces around a hop", proxies, []string{" 203.0.113.7 ,10.0.0.2"}, "203.0.113.7"},
		{"an empty hop is garbled", proxies, []string{"203.0.113.7,"}, "0.0.0.0"},
		{"a garbled hop stops the walk", proxies, []string{"203.0.113.7, unknown, 10.0.0.2"}, "10.0.0.2"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			app := fiber.New()
			app.Get("/", func(c *fiber.Ctx) error { return c.SendString(clientIP(c, row.trusted)) })
			req := httptest.NewRequest(fiber.MethodGet, "/", nil)
			for _, line := range row.lines {
				req.Header.Add(fiber.HeaderXForwardedFor, line)
			}
			res, err := app.Test(req, -1)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, row.want, string(body))
		})
	}
}

func TestLimitKey(t *testing.T) {
	rows := []struct {
		ip     string
		v6Bits int
		want   string
	}{
		{"203.0.113.7", 64, "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6/128"},
	}
	for _, row := range rows {
		require.Equal(t, row.want, limitKey(netip.MustParseAddr(row.ip), row.v6Bits), "%s/%d", row.ip, row.v6Bits)
	}
	require.Empty(t, limitKey(netip.Addr{}, 64))
}
