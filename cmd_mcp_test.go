package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/mcpserver"
)

// mcpSession runs `ecsmedic mcp ARGS` in-process on a pipe and connects
// the SDK's own client to it, as a coding agent connects to the command.
func mcpSession(t *testing.T, args ...string) *mcp.ClientSession {
	t.Helper()
	t.Setenv("ECSMEDIC_CONFIG", "")
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()   // client → server
	outR, outW := io.Pipe() // server → client
	root := newRoot()
	root.SetArgs(append([]string{"mcp"}, args...))
	root.SetIn(inR)
	root.SetOut(outW)
	var stderr strings.Builder
	root.SetErr(&stderr)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	client := mcp.NewClient(&mcp.Implementation{Name: "ecsmedic-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		cancel()
		t.Fatalf("connecting to ecsmedic mcp: %v (stderr: %s)", err, stderr.String())
	}
	t.Cleanup(func() {
		_ = cs.Close()
		_ = inW.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ecsmedic mcp ended with %v", err)
		}
	})
	return cs
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// checkResult checks a tool result's error flag and that its text says
// each of want.
func checkResult(t *testing.T, res *mcp.CallToolResult, wantError bool, want []string) {
	t.Helper()
	if res.IsError != wantError {
		t.Errorf("IsError %v, want %v: %s", res.IsError, wantError, textOf(res))
	}
	for _, w := range want {
		if !strings.Contains(textOf(res), w) {
			t.Errorf("result lacks %q:\n%s", w, textOf(res))
		}
	}
}

func TestMCPServesTheClubsVerdict(t *testing.T) {
	cs := mcpSession(t, "--world", "builtin:incident", "--freeze")
	ctx := context.Background()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
		a := tool.Annotations
		switch {
		case a == nil:
			t.Errorf("tool %s has no annotations", tool.Name)
		case tool.Name == "propose_change": // it may post to Discord, and changes nothing
			if a.DestructiveHint == nil || *a.DestructiveHint {
				t.Errorf("propose_change is not marked non-destructive")
			}
		case !a.ReadOnlyHint:
			t.Errorf("tool %s is not marked read-only", tool.Name)
		}
	}
	if want := []string{"logs", "postmortem", "propose_change", "status", "summary", "why"}; !cmp.Equal(names, want) {
		t.Errorf("tools %v, want %v (no tool may change or approve anything)", names, want)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "why", Arguments: map[string]any{"service": "backend"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("why backend failed: %s", textOf(res))
	}
	got, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var verdict struct {
		Verdict struct{ Cause, Confidence string } `json:"verdict"`
	}
	if err := json.Unmarshal(got, &verdict); err != nil {
		t.Fatal(err)
	}
	if verdict.Verdict.Cause != "elb-health-check" || verdict.Verdict.Confidence != "high" {
		t.Errorf("verdict %+v, want elb-health-check with high confidence", verdict.Verdict)
	}
	for _, w := range []string{"not out of memory", "99.6 %", "!scale backend cpu 1024"} {
		if !strings.Contains(textOf(res), w) {
			t.Errorf("the text rendering lacks %q:\n%s", w, textOf(res))
		}
	}

	// The same JSON as `why --format json`, field for field.
	cli, err := run(t, "", "why", "backend", "--world", "builtin:incident", "--freeze", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var fromCLI, fromMCP any
	if err := json.Unmarshal([]byte(cli), &fromCLI); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &fromMCP); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(fromCLI, fromMCP); d != "" {
		t.Errorf("MCP's why differs from why --format json (-cli +mcp):\n%s", d)
	}

	// The post-mortem tool gives the agent the report itself.
	pm, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "postmortem", Arguments: map[string]any{"service": "backend"}})
	if err != nil {
		t.Fatal(err)
	}
	if pm.IsError || !strings.Contains(textOf(pm), "## ") || !strings.Contains(textOf(pm), "!scale backend cpu 1024") {
		t.Errorf("postmortem backend did not return the Markdown report:\n%s", textOf(pm))
	}
}

func TestMCPTools(t *testing.T) {
	cs := mcpSession(t, "--world", "builtin:incident", "--freeze")
	tests := []struct {
		name      string
		tool      string
		args      map[string]any
		wantError bool
		want      []string
	}{
		{"an unknown service is a tool error, worded", "why", map[string]any{"service": "backnd"}, true,
			[]string{"There is no service 'backnd'. Did you mean backend?"}},
		{"a bad since", "why", map[string]any{"service": "backend", "since": "forever"}, true, []string{"forever"}},
		{"a missing service", "why", map[string]any{}, true, []string{"service"}},
		{"status of every service", "status", nil, false, []string{"backend", "frontend"}},
		{"logs, secrets masked", "logs", map[string]any{"service": "backend", "lines": 5}, false, []string{"sign-up"}},
		{"logs of an unknown service", "logs", map[string]any{"service": "nope"}, true, []string{"nope"}},
		{"summary", "summary", nil, false, []string{"Daily summary"}},
		{"approving is not a tool", "approve", map[string]any{"id": "1"}, true, []string{"approve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tt.tool, Arguments: tt.args})
			if err != nil {
				// An unknown tool is a protocol error by the spec; anything
				// else must come back as a result the agent can read.
				if tt.tool == "approve" && strings.Contains(err.Error(), "approve") {
					return
				}
				t.Fatalf("a protocol failure, not a tool result: %v", err)
			}
			checkResult(t, res, tt.wantError, tt.want)
			if strings.Contains(textOf(res), "skku202494757@g.skku.edu") {
				t.Error("an e-mail address from the logs reached the result unmasked")
			}
			if !tt.wantError && tt.tool != "why" {
				var out mcpserver.Replies
				b, _ := json.Marshal(res.StructuredContent)
				if err := json.Unmarshal(b, &out); err != nil || out.Command != tt.tool || len(out.Replies) == 0 {
					t.Errorf("structured content %s: %v", b, err)
				}
			}
		})
	}
}

// serveMCP serves the built-in incident with opt, in memory, to the SDK's
// client.
func serveMCP(t *testing.T, opt mcpserver.Options) *mcp.ClientSession {
	t.Helper()
	b, err := openBackend(context.Background(), &globals{world: "builtin:incident", freeze: true}, "", noStore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	srv, err := mcpserver.New(commands.NewRouter(b.env), opt)
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = srv.Run(ctx, st) }()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// TestMCPPostmortemTool serves a post-mortem function as the tool that
// Router.Postmortem will fill (cmd_mcp.go), and checks what it is given.
func TestMCPPostmortemTool(t *testing.T) {
	var asked []string
	cs := serveMCP(t, mcpserver.Options{
		Postmortem: func(_ context.Context, svc string, since time.Duration, _ commands.From) []reply.Message {
			asked = append(asked, svc+" "+since.String())
			return []reply.Message{{Title: "Post-mortem: " + svc, Description: "token=hunter2hunter2"}}
		},
	})
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "postmortem", Arguments: map[string]any{"service": "backend", "since": "24h"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || !strings.Contains(textOf(res), "Post-mortem: backend") || strings.Contains(textOf(res), "hunter2") {
		t.Errorf("postmortem result (error %v, secret masked?):\n%s", res.IsError, textOf(res))
	}
	if want := []string{"backend 24h0m0s"}; !cmp.Equal(asked, want) {
		t.Errorf("asked %v, want %v", asked, want)
	}
}

// TestMCPProposeChange: a proposal is posted to the team's Discord channel
// (the fake Discord) or, with no Discord, only shown; it is never planned,
// approved or applied, and deciding is refused.
func TestMCPProposeChange(t *testing.T) {
	fake, err := discordtest.New(discordtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	t.Setenv("MCP_TEST_DISCORD_TOKEN", discordtest.DefaultToken)
	poster, err := bot.NewPoster(config.Discord{TokenEnv: "MCP_TEST_DISCORD_TOKEN", APIBaseURL: fake.URL(), Prefix: "!"}, discordtest.DefaultChannelID)
	if err != nil {
		t.Fatal(err)
	}
	withDiscord := serveMCP(t, mcpserver.Options{Poster: poster})
	without := serveMCP(t, mcpserver.Options{})

	tests := []struct {
		name      string
		cs        *mcp.ClientSession
		args      map[string]any
		wantError bool
		posted    bool
		want      []string
	}{
		{"posted", withDiscord, map[string]any{"command": "!scale backend cpu 1024", "reason": "CPU at 99.6 % of 512 units; password=hunter2hunter2"},
			false, true, []string{"!scale backend cpu 1024", "Posted to the team's Discord channel", "Nothing was changed"}},
		{"no Discord: shown, not posted", without, map[string]any{"command": "scale backend cpu 1024"},
			false, false, []string{"!scale backend cpu 1024", "Not posted"}},
		{"approving is refused", withDiscord, map[string]any{"command": "!approve 7"}, true, false, []string{"only a person in Discord"}},
		{"not a change", without, map[string]any{"command": "status backend"}, true, false, []string{"not a guarded change"}},
		{"a bad change", without, map[string]any{"command": "scale backend cpu lots"}, true, false, []string{"lots"}},
		{"empty", without, map[string]any{"command": " "}, true, false, []string{"!scale backend cpu 1024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fake.Messages(discordtest.DefaultChannelID))
			res, err := tt.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "propose_change", Arguments: tt.args})
			if err != nil {
				t.Fatalf("a protocol failure, not a tool result: %v", err)
			}
			checkResult(t, res, tt.wantError, tt.want)
			msgs := fake.Messages(discordtest.DefaultChannelID)
			if got := len(msgs) - before; got != map[bool]int{true: 1}[tt.posted] {
				t.Fatalf("%d messages posted", got)
			}
			if !tt.wantError {
				var p mcpserver.Proposal
				b, _ := json.Marshal(res.StructuredContent)
				if err := json.Unmarshal(b, &p); err != nil || p.Posted != tt.posted || p.Applied || p.Command != "!scale backend cpu 1024" {
					t.Errorf("structured %s: %v", b, err)
				}
			}
			if tt.posted {
				e := msgs[len(msgs)-1].Embeds
				all, _ := json.Marshal(e)
				if len(e) != 1 || !strings.Contains(string(all), "!scale backend cpu 1024") || strings.Contains(string(all), "hunter2") ||
					len(msgs[len(msgs)-1].Components) > 2 {
					t.Errorf("posted %s, components %s", all, msgs[len(msgs)-1].Components)
				}
			}
		})
	}
}
