package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/text"
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

// TestSlashChangeRequest: a change's slash options become the typed
// request the chat line would parse into.
func TestSlashChangeRequest(t *testing.T) {
	t.Parallel()
	opt := func(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Value: v}
	}
	tests := []struct {
		name string
		data discordgo.ApplicationCommandInteractionData
		line string // what a person would type for it
		err  error
	}{
		{"scale", discordgo.ApplicationCommandInteractionData{Name: "scale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("value", float64(1024)), opt("setting", "cpu"), opt("service", "backend")}}, "scale backend cpu 1024", nil},
		{"reservation with a target", discordgo.ApplicationCommandInteractionData{Name: "reservation", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("state", "on"), opt("target", float64(80))}}, "reservation on target 80", nil},
		{"reservation off", discordgo.ApplicationCommandInteractionData{Name: "reservation", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("state", "off")}}, "reservation off", nil},
		{"autoscale on", discordgo.ApplicationCommandInteractionData{Name: "autoscale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("state", "on"), opt("cpu", float64(60)), opt("max", float64(3)), opt("min", float64(0))}}, "autoscale backend on min 0 max 3 cpu 60", nil},
		{"autoscale on without min", discordgo.ApplicationCommandInteractionData{Name: "autoscale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("state", "on"), opt("cpu", float64(60)), opt("max", float64(3))}}, "", commands.ErrAutoscaleArgs},
		{"autoscale off", discordgo.ApplicationCommandInteractionData{Name: "autoscale", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("state", "off")}}, "autoscale backend off", nil},
		{"healthcheck", discordgo.ApplicationCommandInteractionData{Name: "healthcheck", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("setting", "unhealthy"), opt("value", float64(3))}}, "healthcheck backend unhealthy 3", nil},
		{"rollback", discordgo.ApplicationCommandInteractionData{Name: "rollback", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend")}}, "rollback backend", nil},
		{"rollback to a revision", discordgo.ApplicationCommandInteractionData{Name: "rollback", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			opt("service", "backend"), opt("revision", float64(42))}}, "rollback backend 42", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := slashChange(tt.data.Name, slashOpts(tt.data))
			if err != tt.err {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			f := strings.Fields(tt.line)
			want, _, err := commands.ParseChange(f[0], f[1:])
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("request unlike %q (-line +slash):\n%s", tt.line, d)
			}
		})
	}
	if req, err := slashChange("why", slashOptionValues{}); req != nil || err != nil {
		t.Errorf("why is a change: %v %v", req, err)
	}
}

// TestSlashCoversEveryCommand: every command the router has is
// registered and answered through a typed entry point, and only the
// change commands ask for Manage Server by default.
func TestSlashCoversEveryCommand(t *testing.T) {
	router, _ := incidentRouter(t, sim.Options{})
	b := &Bot{router: router}
	registered := map[string]*discordgo.ApplicationCommand{}
	for _, c := range slashCommands(router.Commands()) {
		registered[c.Name] = c
	}
	for _, c := range router.Commands() {
		if !c.Ready {
			continue
		}
		ac := registered[c.Name]
		if ac == nil {
			t.Errorf("/%s is not registered: list its options in slashOptions", c.Name)
			continue
		}
		if b.slashCall(discordgo.ApplicationCommandInteractionData{Name: c.Name}, commands.Input{}) == nil {
			t.Errorf("/%s has no typed entry point", c.Name)
		}
		perm := ac.DefaultMemberPermissions
		switch {
		case changeCommands[c.Name] && (perm == nil || *perm != discordgo.PermissionManageGuild):
			t.Errorf("/%s: default_member_permissions %v, want Manage Server", c.Name, perm)
		case !changeCommands[c.Name] && perm != nil:
			t.Errorf("/%s is a reading command and asks for permissions %d", c.Name, *perm)
		}
	}
	if b.slashCall(discordgo.ApplicationCommandInteractionData{Name: "gone"}, commands.Input{}) != nil {
		t.Error("an unknown command has an entry point")
	}
}

// TestSlashCallTyped: a slash command of why, status, logs, summary,
// postmortem or help goes to the router's typed entry point, and answers
// exactly what the same question typed as a `!` line does.
func TestSlashCallTyped(t *testing.T) {
	router, _ := incidentRouter(t, sim.Options{})
	b := &Bot{router: router}
	opt := func(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Value: v}
	}
	data := func(name string, o ...*discordgo.ApplicationCommandInteractionDataOption) discordgo.ApplicationCommandInteractionData {
		return discordgo.ApplicationCommandInteractionData{Name: name, Options: o}
	}
	tests := []struct {
		name string
		data discordgo.ApplicationCommandInteractionData
		line string
	}{
		{"why", data("why", opt("service", "backend")), "!why backend"},
		{"why since", data("why", opt("since", "2h"), opt("service", "backend")), "!why backend since 2h"},
		{"why bad since", data("why", opt("service", "backend"), opt("since", "soon")), "!why backend since soon"},
		{"why bad task", data("why", opt("service", "backend"), opt("task", "nope")), "!why backend nope"},
		{"why typo", data("why", opt("service", "backnd")), "!why backnd"},
		{"status", data("status"), "!status"},
		{"status one", data("status", opt("service", "backend")), "!status backend"},
		{"logs", data("logs", opt("service", "backend"), opt("lines", float64(5))), "!logs backend 5"},
		{"summary", data("summary"), "!summary"},
		{"postmortem", data("postmortem", opt("service", "backend"), opt("since", "2h")), "!postmortem backend since 2h"},
		{"postmortem bad since", data("postmortem", opt("service", "backend"), opt("since", "soon")), "!postmortem backend since soon"},
		{"help", data("help"), "!help"},
		{"help why", data("help", opt("command", "why")), "!help why"},
		{"help Why", data("help", opt("command", " !Why")), "!help !why"},
	}
	for _, lang := range []string{"en", "ko"} {
		for _, tt := range tests {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				ctx := context.Background()
				in := commands.Input{User: "u1", Locale: lang}
				ask := b.slashCall(tt.data, in)
				if ask == nil {
					t.Fatal("no typed entry point")
				}
				got := ask(ctx)
				in.Text = tt.line
				want := router.Handle(ctx, in)
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("slash %s answers unlike %q (-line +slash):\n%s", tt.name, tt.line, d)
				}
			})
		}
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

// TestSlashLocalisations: every slash command and option has its name and
// description in English and Korean, from the bundle in commands/text.
func TestSlashLocalisations(t *testing.T) {
	router, _ := incidentRouter(t, sim.Options{})
	en, ko := text.IDs("en"), text.IDs("ko")
	kp := text.New("ko")
	for _, c := range slashCommands(router.Commands()) {
		id := "help." + c.Name
		if !en[id] || !ko[id] {
			t.Errorf("/%s: %s is not in both languages' bundle", c.Name, id)
		}
		if c.DescriptionLocalizations == nil || (*c.DescriptionLocalizations)[discordgo.Korean] == "" {
			t.Errorf("/%s has no Korean description", c.Name)
		}
		if !en["alias."+c.Name] || !ko["alias."+c.Name] {
			t.Errorf("/%s: alias.%s is not in both languages' bundle", c.Name, c.Name)
		}
		if c.NameLocalizations == nil || (*c.NameLocalizations)[discordgo.Korean] != kp.Words("alias." + c.Name)[0] {
			t.Errorf("/%s: its Korean name is not the bundle's first alias", c.Name)
		}
		specs := slashOptions[c.Name]
		for n, o := range c.Options {
			tid := specs[n].textID()
			if !en[tid] || !ko[tid] || !en[tid+".name"] || !ko[tid+".name"] {
				t.Errorf("/%s %s: %s(.name) is not in both languages' bundle", c.Name, o.Name, tid)
				continue
			}
			if got := text.New("en").T(tid + ".name"); got != o.Name {
				t.Errorf("/%s: the bundle's English name %q differs from the option's %q, which Discord sends back", c.Name, got, o.Name)
			}
			if o.NameLocalizations[discordgo.Korean] == "" || o.DescriptionLocalizations[discordgo.Korean] == "" || o.Description == "" {
				t.Errorf("/%s %s lacks a localisation", c.Name, o.Name)
			}
		}
	}
}
