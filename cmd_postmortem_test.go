package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// TestSummaryAndPostmortemCLI runs the two commands as a user would,
// against the built-in incident.
func TestSummaryAndPostmortemCLI(t *testing.T) {
	t.Setenv("ECSMEDIC_CONFIG", "") // never the developer's own config
	out := filepath.Join(t.TempDir(), "pm.md")
	tests := []struct {
		name    string
		args    []string
		wantErr string
		want    []string
		file    []string // what -o wrote
	}{
		{name: "summary", args: []string{"summary", "--world", "builtin:incident", "--freeze"},
			want: []string{"Daily summary · codedang", "backend"}},
		{name: "summary in Korean", args: []string{"summary", "--world", "builtin:incident", "--freeze", "--locale", "ko"},
			want: []string{"일일 요약", "backend"}},
		{name: "summary takes no service", args: []string{"summary", "backend", "--world", "builtin:incident"},
			wantErr: "unknown command"},
		{name: "summary without a config", args: []string{"summary", "--config", "/nonexistent/ecsmedic.yaml"},
			wantErr: "ecsmedic demo"},
		{name: "postmortem to stdout", args: []string{"postmortem", "backend", "--world", "builtin:incident", "--freeze"},
			want: []string{"# Post-mortem (draft): backend, 2024-04-17", "## Root cause", "**No store**", "- [ ] `!scale backend cpu 1024`"}},
		{name: "postmortem to a file, in Korean", args: []string{"postmortem", "backend", "--world", "builtin:incident", "--freeze", "--locale", "ko", "--since", "2h", "-o", out},
			want: []string{"포스트모템 초안: backend", "wrote " + out},
			file: []string{"# 포스트모템 (초안): backend", "`!why backend since 2h`"}},
		{name: "postmortem of an unknown service", args: []string{"postmortem", "backnd", "--world", "builtin:incident", "--freeze"},
			wantErr: "exit 2", want: []string{"Did you mean backend?"}},
		{name: "postmortem needs a service", args: []string{"postmortem", "--world", "builtin:incident"},
			wantErr: "accepts 1 arg"},
		{name: "postmortem to a directory that is not there", args: []string{"postmortem", "backend", "--world", "builtin:incident", "-o", "/nonexistent/dir/pm.md"},
			wantErr: "writing the post-mortem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, "", tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error: %v\n%s", err, got)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q\n%s", err, tt.wantErr, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if len(tt.file) == 0 {
				return
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.file {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q:\n%s", out, w, b)
				}
			}
		})
	}
}

// TestHistoryGivesTheAudit: where the command line reads the store, the
// post-mortem gets its change audit along with the stop history.
func TestHistoryGivesTheAudit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ecsmedic.db")
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Audit(store.AuditRecord{Event: "requested", ChangeID: "k1", Cluster: "codedang", Service: "backend"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	b := &backend{close: func() {}}
	openHistory(b, path)
	defer b.close()
	if b.env.Stops == nil || b.env.Audit == nil {
		t.Fatalf("stops %v, audit %v: want both from the store", b.env.Stops, b.env.Audit)
	}
	recs, err := b.env.Audit.AuditLog(time.Time{}, 0)
	if err != nil || len(recs) != 1 {
		t.Errorf("audit %v, %v; want the one record", recs, err)
	}
}
