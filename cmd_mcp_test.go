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

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
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
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("tool %s is not marked read-only", tool.Name)
		}
	}
	// The postmortem tool appears once cmd_mcp.go wires Router.Postmortem.
	if want := []string{"logs", "status", "summary", "why"}; !cmp.Equal(names, want) {
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
			if res.IsError != tt.wantError {
				t.Errorf("IsError %v, want %v: %s", res.IsError, tt.wantError, textOf(res))
			}
			for _, w := range tt.want {
				if !strings.Contains(textOf(res), w) {
					t.Errorf("result lacks %q:\n%s", w, textOf(res))
				}
			}
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

// TestMCPPostmortemTool serves a post-mortem function as the tool that
// Router.Postmortem will fill (cmd_mcp.go), and checks what it is given.
func TestMCPPostmortemTool(t *testing.T) {
	g := &globals{world: "builtin:incident", freeze: true}
	b, err := openBackend(context.Background(), g, "", noStore)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	var asked []string
	srv, err := mcpserver.New(commands.NewRouter(b.env), mcpserver.Options{
		Postmortem: func(_ context.Context, svc string, since time.Duration, _ commands.From) []reply.Message {
			asked = append(asked, svc+" "+since.String())
			return []reply.Message{{Title: "Post-mortem: " + svc, Description: "token=hunter2hunter2"}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Run(ctx, st) }()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "postmortem", Arguments: map[string]any{"service": "backend", "since": "24h"}})
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
