package bot

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsmedic/ecsmedic/aws/sim"
)

func TestSlashCommandsGolden(t *testing.T) {
	t.Parallel()
	router, _ := incidentRouter(t, sim.Options{})
	buf, err := json.MarshalIndent(slashCommands(router.Commands()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "slash_commands.json", append(buf, '\n'))
}

func TestSlashLine(t *testing.T) {
	t.Parallel()
	opt := func(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Value: v}
	}
	tests := []struct {
		name string
		data discordgo.ApplicationCommandInteractionData
		want string
	}{
		{"why", discordgo.ApplicationCommandInteractionData{Name: "why", Options: []*discordgo.ApplicationCommandInteractionDataOption{opt("service", "backend")}}, "!why backend"},
		{"why all", discordgo.ApplicationCommandInteractionData{Name: "why", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("since", "2h"), opt("service", "backend"), opt("task", "5e1f6c3a")}}, "!why backend 5e1f6c3a since 2h"},
		{"logs lines", discordgo.ApplicationCommandInteractionData{Name: "logs", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("lines", float64(50))}}, "!logs backend 50"},
		{"status bare", discordgo.ApplicationCommandInteractionData{Name: "status"}, "!status"},
		{"a later command", discordgo.ApplicationCommandInteractionData{Name: "summary", Options: []*discordgo.ApplicationCommandInteractionDataOption{opt("args", "now")}}, "!summary now"},
		{"scale", discordgo.ApplicationCommandInteractionData{Name: "scale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("value", float64(1024)), opt("setting", "cpu"), opt("service", "backend")}}, "!scale backend cpu 1024"},
		{"reservation with a target", discordgo.ApplicationCommandInteractionData{Name: "reservation", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("state", "on"), opt("target", float64(80))}}, "!reservation on target 80"},
		{"autoscale on", discordgo.ApplicationCommandInteractionData{Name: "autoscale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("state", "on"), opt("cpu", float64(60)), opt("max", float64(3)), opt("min", float64(1))}}, "!autoscale backend on min 1 max 3 cpu 60"},
		{"autoscale off", discordgo.ApplicationCommandInteractionData{Name: "autoscale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("state", "off")}}, "!autoscale backend off"},
		{"healthcheck", discordgo.ApplicationCommandInteractionData{Name: "healthcheck", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("setting", "grace"), opt("value", float64(120))}}, "!healthcheck backend grace 120"},
		{"rollback", discordgo.ApplicationCommandInteractionData{Name: "rollback", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend")}}, "!rollback backend"},
		{"approve", discordgo.ApplicationCommandInteractionData{Name: "approve", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("id", "k7m2x9qa")}}, "!approve k7m2x9qa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slashLine("!", tt.data); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRESTBase(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api"},
		{"https://proxy.example.org/api/v10", "https://proxy.example.org/api"},
		{"https://proxy.example.org/api/", "https://proxy.example.org/api"},
		{"https://proxy.example.org/discord", "https://proxy.example.org/discord/api"},
	}
	for _, tt := range tests {
		u, err := restBase(tt.in)
		if err != nil || u.String() != tt.want {
			t.Errorf("restBase(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	if _, err := restBase("ftp://x"); err == nil {
		t.Error("ftp accepted")
	}
}

func TestRESTTransportRewrites(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path + "?" + r.URL.RawQuery
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	base, _ := restBase(srv.URL)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	tr := &restTransport{base: base, next: http.DefaultTransport, retries: c}
	req, _ := http.NewRequest("GET", "https://discord.com/api/v9/gateway?x=1", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "/api/v9/gateway?x=1" {
		t.Errorf("the fake got %q", got)
	}
}
