package httpx

import (
	"net/netip"
	"strings"
)

// Loopback reports whether host (a URL's Hostname: no port, no brackets) names this machine:
// localhost, 127.0.0.0/8 or ::1. Both clients allow plain http only there, where a token
// crosses no network. Names other than localhost are not resolved: what a name resolves to can
// change between this check and the requests.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
