// Package loopback tells whether a URL points at this machine: a simulator
// or emulator there needs no real credentials, and plain http to it does
// not cross a network.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// URL reports whether raw is a URL whose host is a loopback address
// (127.0.0.0/8, ::1) or localhost.
func URL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return Host(u.Hostname())
}

// Host reports whether host (without a port) is a loopback address or
// localhost.
func Host(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
