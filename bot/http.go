package bot

import (
	"net/http"
)

// Handler serves /healthz (200 "ok" when the gateway is connected and
// READY, else 503 with the reason) and /metrics.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ok, reason := b.gw.health()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(reason + "\n"))
	})
	mux.Handle("GET /metrics", b.metrics.Handler())
	return mux
}
