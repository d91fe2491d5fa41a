package commands

import (
	"context"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func testEnv() Env {
	return Env{Services: []ServiceRef{
		{Alias: "backend", Cluster: "codedang", Service: "backend"},
		{Alias: "frontend", Cluster: "codedang", Service: "frontend"},
	}}
}

// TestHandleWithoutAWS covers every answer that needs no AWS, in both
// languages, as golden files.
func TestHandleWithoutAWS(t *testing.T) {
	t.Parallel()
	r := NewRouter(testEnv())
	tests := []struct {
		name string
		line string
	}{
		{"help", "!help"},
		{"help_why", "!help why"},
		{"help_scale", "help scale"},
		{"help_unknown", "!help dance"},
		{"unknown", "!dance"},
		{"empty", "   "},
		{"change_not_set_up", "!scale backend cpu 1024"},
		{"change_bad_args", "!scale backend disk 10"},
		{"bad_since", "!why backend since soon"},
		{"no_service_arg", "!logs"},
		{"typo", "!why backnd"},
		{"no_aws", "!why backend"},
	}
	for _, tt := range tests {
		for _, lang := range text.Languages {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				ms := r.Handle(context.Background(), Input{Text: tt.line, Locale: lang})
				if len(ms) != 1 {
					t.Fatalf("got %d messages", len(ms))
				}
				checkLimits(t, ms[0])
				goldenReply(t, "router_"+tt.name+"_"+lang, ms[0])
			})
		}
	}
}

func TestHandleSeverities(t *testing.T) {
	t.Parallel()
	r := NewRouter(testEnv())
	tests := []struct {
		line string
		want reply.Severity
	}{
		{"!dance", reply.Warning},
		{"", reply.Warning},
		{"!why", reply.Warning},
		{"!help", reply.Info},
		{"!summary", reply.Warning},          // no AWS here
		{"!approve k3v9qz2a", reply.Warning}, // no change engine here
	}
	for _, tt := range tests {
		ms := r.Handle(context.Background(), Input{Text: tt.line})
		if len(ms) == 0 || ms[0].Severity != tt.want {
			t.Errorf("%q: got %+v, want severity %v", tt.line, ms, tt.want)
		}
	}
}

func TestLocaleChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env, in string
		want    string
	}{
		{"", "", "ecsmedic commands"},
		{"ko", "", "ecsmedic 명령어"},
		{"ko", "en", "ecsmedic commands"},
		{"en", "ko-KR", "ecsmedic 명령어"},
		{"ko", "fr", "ecsmedic 명령어"},
	}
	for _, tt := range tests {
		env := testEnv()
		env.Locale = tt.env
		ms := NewRouter(env).Handle(context.Background(), Input{Text: "!help", Locale: tt.in})
		if ms[0].Title != tt.want {
			t.Errorf("env %q input %q: title %q, want %q", tt.env, tt.in, ms[0].Title, tt.want)
		}
	}
}

func TestEveryTableCommandAnswers(t *testing.T) {
	t.Parallel()
	env := testEnv()
	env.Prefix = "?"
	r := NewRouter(env)
	for _, c := range table() {
		for _, line := range []string{c.Name, "?" + c.Name + " backend", "?" + c.Name + " " + strings.Repeat("x ", 300)} {
			ms := r.Handle(context.Background(), Input{Text: line})
			if len(ms) == 0 || ms[0].Title == "" {
				t.Errorf("%q: no answer", line)
			}
		}
	}
	if !r.IsCommand("?why backend") || r.IsCommand("why backend") {
		t.Error("IsCommand does not follow the prefix")
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("가나다라 ", 600)
	m := explain.Fit(reply.Message{
		Title:       long,
		Description: long + long,
		Fields: []reply.Field{
			{Name: "a", Value: "```\n" + long + "\n```"},
			{Name: "b", Value: long}, {Name: "c", Value: long}, {Name: "d", Value: long},
			{Name: "e", Value: long}, {Name: "f", Value: long}, {Name: "g", Value: long},
		},
		Buttons: make([]reply.Button, 30),
	})
	checkLimits(t, m)
	if strings.Count(m.Fields[0].Value, "```")%2 != 0 {
		t.Errorf("a cut code block was left open: %q", m.Fields[0].Value)
	}
	if !strings.HasSuffix(m.Title, "…") {
		t.Errorf("title cut without a mark: %q", m.Title)
	}
}
