//go:build !unix

package httpapi

import "net"

// watchPeer cannot tell here when a client leaves: requests end at their deadline.
func watchPeer(net.Conn, func()) (stop func()) { return func() {} }
