package bot

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// restBase turns the config's apiBaseUrl into the URL that replaces
// "https://discord.com/api": "https://proxy.example.org",
// ".../api" and ".../api/v10" all become "https://proxy.example.org/api".
// discordgo picks the API version (v9) itself.
func restBase(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("the Discord API base URL %q is not an http(s) URL such as https://discord-proxy.example.org", s)
	}
	p := strings.TrimRight(u.Path, "/")
	p = versionSuffix.ReplaceAllString(p, "")
	if !strings.HasSuffix(p, "/api") {
		p += "/api"
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

var versionSuffix = regexp.MustCompile(`/v\d+$`)

// restTransport sends discordgo's requests for https://discord.com/api to
// the configured base instead (a REST proxy, or the fake Discord in
// tests): discordgo's Endpoint variables are fixed at init, so rewriting
// the transport is the clean way. It also counts the answers discordgo
// will retry.
type restTransport struct {
	base    *url.URL // nil: discord.com itself
	next    http.RoundTripper
	retries prometheus.Counter
}

func (t *restTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.base != nil && req.URL.Host == "discord.com" && strings.HasPrefix(req.URL.Path, "/api/") {
		r := req.Clone(req.Context())
		u := *req.URL
		u.Scheme, u.Host = t.base.Scheme, t.base.Host
		u.Path = t.base.Path + strings.TrimPrefix(req.URL.Path, "/api")
		u.RawPath = ""
		r.URL, r.Host = &u, ""
		req = r
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusBadGateway) {
		t.retries.Inc()
	}
	return resp, err
}
