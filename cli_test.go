package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// run executes the CLI in-process, as a user would from a shell.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCLI(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "") // never the developer's own config
	tests := []struct {
		name    string
		stdin   string
		args    []string
		wantErr string
		want    []string
	}{
		{name: "demo, piped", stdin: "!why backend\n", args: []string{"demo"},
			want: []string{"not out of memory", "99.6 %", "!scale backend cpu 1024", "!reservation on"}},
		{name: "demo, empty input says what it is and how to type", stdin: "", args: []string{"demo"},
			want: []string{"This is `ecsmedic demo`", "type `why backend`", "printf '!why backend\\n' | ecsmedic demo"}},
		{name: "demo, blank lines only", stdin: "\n  \n", args: []string{"demo", "--locale", "ko"},
			want: []string{"입력에서 명령을 하나도 읽지 못했습니다"}},
		{name: "demo in Korean", stdin: "why backend\n", args: []string{"demo", "--locale", "ko"},
			want: []string{"메모리 부족", "!scale backend cpu 1024"}},
		{name: "demo, a button by number", stdin: "!why backend\n1\n", args: []string{"demo"},
			want: []string{"[1] !scale backend cpu 1024", "Refused: backend: CPU 512 → 1024 units", "`!reservation on` first"}},
		{name: "a change planned, dry run", args: []string{"reservation", "on", "--dry-run", "--world", "builtin:incident", "--freeze"},
			want: []string{"Dry run: cluster codedang: reservation scaling on", "nothing sent to AWS", "off → on"}},
		{name: "a change refused, dry run", args: []string{"scale", "backend", "cpu", "1024", "--dry-run", "--world", "builtin:incident"},
			wantErr: "exit 2", want: []string{"this would be refused", "reservation scaling is off"}},
		{name: "a change applied by the terminal operator", args: []string{"healthcheck", "backend", "grace", "90", "--yes", "--world", "builtin:incident"},
			want: []string{"operator console", "Applied", "healthCheckGracePeriodSeconds: 0 → 90"}},
		{name: "status against a world", args: []string{"status", "--world", "builtin:incident", "--freeze"},
			want: []string{"backend", "frontend"}},
		{name: "logs against a world", args: []string{"logs", "backend", "3", "--world", "builtin:incident", "--freeze"},
			want: []string{"sign-up"}},
		{name: "unknown service", args: []string{"why", "backnd", "--world", "builtin:incident", "--freeze"},
			wantErr: "exit 2", want: []string{"Did you mean backend?"}},
		{name: "bad format", args: []string{"why", "backend", "--world", "builtin:incident", "--format", "xml"},
			wantErr: "use text or json"},
		{name: "missing world", args: []string{"why", "backend", "--world", "/nonexistent/w.yaml"},
			wantErr: "reading the world file"},
		{name: "no config, no world", args: []string{"why", "backend", "--config", "/nonexistent/ecsmedic.yaml"},
			wantErr: "ecsmedic demo"},
		{name: "bad fault spec", args: []string{"sim", "--fail", "DescribeServices@x=throttle"},
			wantErr: "--fail"},
		{name: "the bot without a config", args: []string{"run", "--config", "/nonexistent/ecsmedic.yaml"}, wantErr: "no config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, tt.stdin, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error: %v\n%s", err, out)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestWhyJSONContract checks `why --format json` against docs/why-json.md's
// shape on the built-in incident.
func TestWhyJSONContract(t *testing.T) {
	out, err := run(t, "", "why", "backend", "--world", "builtin:incident", "--freeze", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Service string `json:"service"`
		Cluster string `json:"cluster"`
		Window  struct{ From, To string }
		Verdict struct {
			Cause        string   `json:"cause"`
			Contributing []string `json:"contributing"`
			Confidence   string   `json:"confidence"`
			Summary      string   `json:"summary"`
		} `json:"verdict"`
		Stops    []map[string]any `json:"stops"`
		Evidence []map[string]any `json:"evidence"`
		Remedies []struct{ Action, Command, Why string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if d.Service != "backend" || d.Cluster != "codedang" || d.Verdict.Cause != "elb-health-check" || d.Verdict.Confidence != "high" {
		t.Errorf("verdict %+v", d)
	}
	if d.Window.From == "" || len(d.Stops) == 0 || len(d.Evidence) == 0 || d.Verdict.Summary == "" {
		t.Errorf("incomplete answer: %s", out)
	}
	found := false
	for _, r := range d.Remedies {
		if r.Command == "!scale backend cpu 1024" {
			found = true
		}
	}
	if !found {
		t.Errorf("no scale-cpu remedy in %+v", d.Remedies)
	}
}

// TestSimSave starts `ecsmedic sim` with a context already ended, so it
// stops as soon as it listens, and checks --save wrote a world that loads.
func TestSimSave(t *testing.T) {
	path := t.TempDir() + "/saved.yaml"
	root := newRoot()
	var out bytes.Buffer
	root.SetArgs([]string{"sim", "--world", "builtin:example", "--freeze", "--addr", "127.0.0.1:0", "--save", path})
	root.SetOut(&out)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := root.ExecuteContext(ctx); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "aws --endpoint-url http://127.0.0.1:") || !strings.Contains(out.String(), "saved the changed world") {
		t.Errorf("output:\n%s", out.String())
	}
	w, err := loadWorld(path)
	if err != nil {
		t.Fatalf("the saved world does not load: %v", err)
	}
	if len(w.Services) != 1 || len(w.Tasks) != 1 {
		t.Errorf("saved world: %d services, %d tasks", len(w.Services), len(w.Tasks))
	}
}
