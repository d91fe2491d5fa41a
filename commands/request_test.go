package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// TestTypedMatchesLine: each typed entry point answers as the `!` line
// that asks the same, and refuses what the parser refuses.
func TestTypedMatchesLine(t *testing.T) {
	r := NewRouter(testEnv())
	ctx := context.Background()
	tests := []struct {
		name string
		line string
		ask  func(From) []reply.Message
	}{
		{"why", "!why backend", func(f From) []reply.Message { return r.Why(ctx, WhyRequest{Service: "backend", From: f}) }},
		{"why typo", "!why backnd", func(f From) []reply.Message { return r.Why(ctx, WhyRequest{Service: "backnd", From: f}) }},
		{"why no service", "!why", func(f From) []reply.Message { return r.Why(ctx, WhyRequest{From: f}) }},
		{"why bad task", "!why backend nope", func(f From) []reply.Message {
			return r.Why(ctx, WhyRequest{Service: "backend", TaskID: "nope", From: f})
		}},
		{"why since too far", "!why backend since 720h0m0s", func(f From) []reply.Message {
			return r.Why(ctx, WhyRequest{Service: "backend", Since: 30 * 24 * time.Hour, From: f})
		}},
		{"status", "!status", func(f From) []reply.Message { return r.Status(ctx, StatusRequest{From: f}) }},
		{"logs", "!logs backend 5e1f6c3a 5", func(f From) []reply.Message {
			return r.Logs(ctx, LogsRequest{Service: "backend", TaskID: "5E1F6C3A", Lines: 5, From: f})
		}},
		{"logs no service", "!logs", func(f From) []reply.Message { return r.Logs(ctx, LogsRequest{From: f}) }},
		{"summary", "!summary", func(f From) []reply.Message { return r.Summary(ctx, SummaryRequest{From: f}) }},
		{"help", "!help", func(f From) []reply.Message { return r.Help(ctx, HelpRequest{From: f}) }},
		{"help why", "!help why", func(f From) []reply.Message { return r.Help(ctx, HelpRequest{Command: "!WHY", From: f}) }},
	}
	for _, tt := range tests {
		for _, lang := range []string{"en", "ko"} {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				want := r.Handle(ctx, Input{Text: tt.line, Locale: lang})
				if d := cmp.Diff(want, tt.ask(From{Locale: lang})); d != "" {
					t.Errorf("typed answers unlike %q (-line +typed):\n%s", tt.line, d)
				}
			})
		}
	}
}

// TestTypedRefusals: a typed request with a value the chat could not
// express is refused with a usage reply that names the value.
func TestTypedRefusals(t *testing.T) {
	r := NewRouter(testEnv())
	ctx := context.Background()
	p := r.printer("en")
	tests := []struct {
		name string
		got  []reply.Message
		want string
	}{
		{"negative since", r.Why(ctx, WhyRequest{Service: "backend", Since: -time.Hour}), p.T("usage.since_range", "Arg", "-1h0m0s")},
		{"negative lines", r.Logs(ctx, LogsRequest{Service: "backend", Lines: -1}), p.T("usage.bad_lines", "Arg", -1, "Max", maxLogLines)},
	}
	for _, tt := range tests {
		if len(tt.got) != 1 || !tt.got[0].Failed || tt.got[0].Title != p.T("usage.title") || !strings.HasPrefix(tt.got[0].Description, tt.want) {
			t.Errorf("%s: %+v, want a usage reply saying %q", tt.name, tt.got, tt.want)
		}
	}
}
