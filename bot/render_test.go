package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// shown is a rendered message as a golden file holds it: the JSON Discord
// gets, with each file's name, type and whether it is a PNG.
type shown struct {
	Embeds     []*discordgo.MessageEmbed    `json:"embeds"`
	Components []discordgo.MessageComponent `json:"components,omitempty"`
	Files      []shownFile                  `json:"files,omitempty"`
}

type shownFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	PNG         bool   `json:"png"`
}

func show(t *testing.T, out []outgoing) []byte {
	t.Helper()
	var s []shown
	for _, o := range out {
		x := shown{Embeds: o.Embeds, Components: o.Components}
		for _, f := range o.Files {
			data, err := io.ReadAll(f.Reader)
			if err != nil {
				t.Fatal(err)
			}
			x.Files = append(x.Files, shownFile{f.Name, f.ContentType, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))})
		}
		s = append(s, x)
	}
	buf, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(buf, '\n')
}

// TestRenderGolden renders the router's replies to the incident as the
// JSON payloads Discord receives.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	router, _ := incidentRouter(t, sim.Options{})
	r := testRenderer()
	tests := []struct{ name, line, locale string }{
		{"why_incident_en", "!why backend", "en"},
		{"why_incident_ko", "!why backend", "ko"},
		{"status_en", "!status backend", "en"},
		{"logs_en", "!logs backend 5", "en"},
		{"help_en", "!help", "en"},
		{"help_ko", "!help", "ko"},
		{"unknown_command_en", "!frobnicate", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := router.Handle(context.Background(), commands.Input{Text: tt.line, Locale: tt.locale})
			golden(t, "render_"+tt.name+".json", show(t, r.render(ms)))
		})
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	r := testRenderer()
	long := strings.Repeat("가", 5000)
	many := make([]reply.Field, 30)
	for i := range many {
		many[i] = reply.Field{Name: "f", Value: strings.Repeat("x", 300)}
	}
	buttons := make([]reply.Button, 30)
	for i := range buttons {
		buttons[i] = reply.Button{ID: "!why backend", Label: strings.Repeat("b", 100)}
	}
	tests := []struct {
		name  string
		in    []reply.Message
		check func(t *testing.T, out []outgoing)
	}{
		{"long description is cut and attached", []reply.Message{{Title: strings.Repeat("t", 300), Description: long}}, func(t *testing.T, out []outgoing) {
			e := out[0].Embeds[0]
			if runes(e.Title) != reply.MaxTitle || runes(e.Description) != reply.MaxDescription || !strings.HasSuffix(e.Description, "…") {
				t.Errorf("title %d, description %d runes", runes(e.Title), runes(e.Description))
			}
			if len(out[0].Files) != 1 || out[0].Files[0].Name != "details.txt" {
				t.Errorf("files %v, want details.txt", out[0].Files)
			}
		}},
		{"fields: at most 25, total at most 6000", []reply.Message{{Title: "x", Fields: many}}, func(t *testing.T, out []outgoing) {
			e := out[0].Embeds[0]
			if len(e.Fields) > reply.MaxFields || embedSize(e) > reply.MaxTotal {
				t.Errorf("%d fields, %d characters", len(e.Fields), embedSize(e))
			}
		}},
		{"buttons: rows of 5, at most 5 rows, labels cut", []reply.Message{{Title: "x", Buttons: buttons}}, func(t *testing.T, out []outgoing) {
			rows := out[0].Components
			if len(rows) != maxRows {
				t.Fatalf("%d rows", len(rows))
			}
			for _, row := range rows {
				bs := row.(discordgo.ActionsRow).Components
				if len(bs) != maxRowButtons || runes(bs[0].(discordgo.Button).Label) != maxLabel {
					t.Errorf("row of %d", len(bs))
				}
			}
		}},
		{"11 replies make two messages", make([]reply.Message, 11), func(t *testing.T, out []outgoing) {
			if len(out) != 2 || len(out[0].Embeds) != 10 || len(out[1].Embeds) != 1 {
				t.Errorf("%d messages", len(out))
			}
		}},
		{"two big replies do not share a message", []reply.Message{{Description: strings.Repeat("a", 4000)}, {Description: strings.Repeat("b", 4000)}}, func(t *testing.T, out []outgoing) {
			if len(out) != 2 {
				t.Errorf("%d messages, want 2", len(out))
			}
		}},
		{"severity colours and data time", []reply.Message{{Title: "x", Severity: reply.Critical, DataTime: time.Date(2024, 5, 1, 3, 4, 5, 0, time.FixedZone("KST", 9*3600)), Footer: "f"}}, func(t *testing.T, out []outgoing) {
			e := out[0].Embeds[0]
			if e.Color != 0xE74C3C || e.Timestamp != "2024-04-30T18:04:05Z" || e.Footer.Text != "f" {
				t.Errorf("colour %x, timestamp %q", e.Color, e.Timestamp)
			}
		}},
		{"a code block cut stays closed", []reply.Message{{Fields: []reply.Field{{Name: "log", Value: "```\n" + strings.Repeat("line\n", 400) + "```"}}}}, func(t *testing.T, out []outgoing) {
			v := out[0].Embeds[0].Fields[0].Value
			if runes(v) > reply.MaxFieldValue || strings.Count(v, "```")%2 != 0 {
				t.Errorf("%d runes, %d fences", runes(v), strings.Count(v, "```"))
			}
		}},
		{"empty field names and values are filled", []reply.Message{{Fields: []reply.Field{{}}}}, func(t *testing.T, out []outgoing) {
			f := out[0].Embeds[0].Fields[0]
			if f.Name == "" || f.Value == "" {
				t.Error("empty field")
			}
		}},
		{"a button too long for a custom ID is left out", []reply.Message{{Buttons: []reply.Button{{ID: "!" + strings.Repeat("x", 90), Label: "x"}}}}, func(t *testing.T, out []outgoing) {
			if len(out[0].Components) != 0 {
				t.Error("kept a button whose ID does not fit")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := r.render(tt.in)
			if len(out) == 0 {
				t.Fatal("nothing rendered")
			}
			tt.check(t, out)
		})
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 4, "abc…"},
		{"한국어입니다", 3, "한국…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"```\nabcdefghij\n```", 12, "```\nabc…\n```"},
	}
	for _, tt := range tests {
		if got := cut(tt.in, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
