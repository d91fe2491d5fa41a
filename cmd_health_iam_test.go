package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/iampolicy"
)

// runSplit executes the CLI with stdout and stderr apart.
func runSplit(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// exampleConfig writes the example config with edits, and returns its path.
func exampleConfig(t *testing.T, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile("config/ecsmedic.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(replace...).Replace(string(b))
	p := filepath.Join(t.TempDir(), "ecsmedic.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHealth(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}))
	defer healthy.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("gateway not connected: resuming\n"))
	}))
	defer sick.Close()
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	_ = closed.Close()
	addr := func(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }
	_, port, _ := net.SplitHostPort(addr(healthy))

	prev := healthTimeout
	healthTimeout = 200 * time.Millisecond
	defer func() { healthTimeout = prev }()

	tests := []struct {
		name       string
		args       []string
		wantErr    bool
		wantOut    string
		wantStderr string
	}{
		{"healthy", []string{"health", "--addr", addr(healthy)}, false, "healthy: ok", ""},
		{"0.0.0.0 is asked on loopback", []string{"health", "--addr", "0.0.0.0:" + port}, false, "healthy: ok", ""},
		{"from the config's http.addr", []string{"health", "--config", exampleConfig(t, "addr: 127.0.0.1:9090", "addr: 0.0.0.0:"+port)}, false, "healthy: ok", ""},
		{"503 with the reason", []string{"health", "--addr", addr(sick)}, true, "", "503 Service Unavailable: gateway not connected: resuming"},
		{"no answer in time", []string{"health", "--addr", addr(hung)}, true, "", "did not answer within"},
		{"nothing listening", []string{"health", "--addr", closedAddr}, true, "", "unhealthy: http://" + closedAddr},
		{"bad address", []string{"health", "--addr", "localhost"}, true, "", "bad address"},
		{"config that does not load", []string{"health", "--config", "/nonexistent/ecsmedic.yaml"}, true, "", "unhealthy:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runSplit(t, tt.args...)
			if tt.wantErr {
				if ec, ok := err.(exitCode); !ok || ec != 1 {
					t.Fatalf("err = %v, want exit 1; stderr %q", err, errOut)
				}
			} else if err != nil {
				t.Fatalf("err = %v; stderr %q", err, errOut)
			}
			if !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", out, errOut, tt.wantOut, tt.wantStderr)
			}
		})
	}
}

func TestIAMPolicyCommand(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "")
	withQueue := exampleConfig(t, "# sqsQueueUrl:", "sqsQueueUrl:")
	tests := []struct {
		name      string
		args      []string
		wantErr   string
		resources []string // each in some statement
		notes     []string
	}{
		{name: "example config, placeholders", args: []string{"iam-policy", "--config", exampleConfig(t)},
			resources: []string{"arn:aws:ecs:ap-northeast-2:*:service/codedang/backend", "arn:aws:ecs:ap-northeast-2:*:service/codedang/frontend"},
			notes:     []string{"--account", "--family"}},
		{name: "account from the queue URL", args: []string{"iam-policy", "--config", withQueue, "--family", "backend", "--pass-role", "backend-task"},
			resources: []string{"arn:aws:sqs:ap-northeast-2:123456789012:ecsmedic-events", "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/backend:*", "arn:aws:iam::123456789012:role/backend-task"}},
		{name: "flags win", args: []string{"iam-policy", "--config", exampleConfig(t), "--account", "210987654321", "--region", "us-east-1"},
			resources: []string{"arn:aws:ecs:us-east-1:210987654321:service/codedang/backend"}},
		{name: "no config", args: []string{"iam-policy", "--config", "/nonexistent/ecsmedic.yaml"}, wantErr: "no config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runSplit(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var p iampolicy.Policy
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatalf("stdout is not the policy JSON: %v\n%s", err, out)
			}
			var all []string
			for _, s := range p.Statement {
				all = append(all, s.Resource...)
			}
			joined := strings.Join(all, "\n")
			for _, r := range tt.resources {
				if !strings.Contains(joined, r) {
					t.Errorf("no statement has %s:\n%s", r, joined)
				}
			}
			for _, n := range tt.notes {
				if !strings.Contains(errOut, n) {
					t.Errorf("stderr lacks %q:\n%s", n, errOut)
				}
			}
		})
	}
}
