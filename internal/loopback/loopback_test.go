package loopback

import "testing"

func TestURL(t *testing.T) {
	tests := map[string]bool{
		"http://127.0.0.1:4566":        true,
		"http://127.0.0.53":            true,
		"http://[::1]:4566/":           true,
		"http://localhost:4566":        true,
		"http://sim.localhost":         true,
		"http://10.0.0.5:4566":         false,
		"http://127.0.0.1.example.com": false,
		"https://ecs.amazonaws.com":    false,
		"127.0.0.1:4566":               false, // no scheme: not a URL with a host
		"":                             false,
	}
	for in, want := range tests {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %v, want %v", in, got, want)
		}
	}
}
