package svcref

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	l := List{
		{Alias: "backend", Cluster: "codedang", Service: "backend-svc"},
		{Alias: "web", Cluster: "codedang", Service: "Frontend"},
		{Alias: "frontend", Cluster: "codedang", Service: "frontend-v2"},
		{Alias: "judge", Cluster: "grading", Service: "judge"},
		{Alias: "a1", Cluster: "c1", Service: "Dup"},
		{Alias: "a2", Cluster: "c2", Service: "dup"},
	}
	tests := []struct {
		in   string
		want string // the alias found; "" = none
	}{
		{"backend", "backend"},
		{"  BackEnd ", "backend"},  // alias ignores case and spaces
		{"backend-svc", "backend"}, // ECS service name
		{"BACKEND-SVC", "backend"}, // ECS name, ignoring case, one match
		{"frontend", "frontend"},   // an alias wins over another's ECS name "Frontend"
		{"Frontend", "frontend"},   // … ignoring case too
		{"frontend-v2", "frontend"},
		{"Dup", "a1"}, // exact ECS name
		{"dup", "a2"}, // exact ECS name
		{"DUP", ""},   // two services differ only by case: ambiguous
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/codedang/backend-svc", "backend"},
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/judge", "judge"},       // old ARN form
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/other/judge", ""},      // wrong cluster
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/codedang/backend", ""}, // ARNs carry ECS names, not aliases
		{"arn:aws:ecs:ap-northeast-2:123456789012:task/codedang/0123", ""},
		{"arn:aws:iam::123456789012:role/backend", ""},
		{"arn:", ""},
		{"", ""},
		{"nosuch", ""},
	}
	for _, tt := range tests {
		got, ok := l.Resolve(tt.in)
		if ok != (tt.want != "") || got.Alias != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got.Alias, ok, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	for _, tt := range []struct {
		r    Ref
		want string
	}{
		{Ref{Alias: "api", Service: "api-svc", Cluster: "c"}, "api"},
		{Ref{Service: "api-svc", Cluster: "c"}, "api-svc"},
		{Ref{Cluster: "c"}, "c"},
	} {
		if got := tt.r.Name(); got != tt.want {
			t.Errorf("%+v.Name() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestResolveTargets(t *testing.T) {
	l := List{
		{Target: "prod", Alias: "backend", Cluster: "main", Service: "backend"},
		{Target: "prod", Alias: "worker", Cluster: "batch", Service: "worker"},
		{Target: "staging", Alias: "backend", Cluster: "main", Service: "backend"},
	}
	tests := []struct {
		in        string
		wantName  string   // "" = none
		wantAmbig []string // the qualified names offered instead
	}{
		{"prod/backend", "prod/backend", nil},
		{"Staging/Backend", "staging/backend", nil},
		{"worker", "prod/worker", nil}, // one target has it: no need to qualify
		{"backend", "", []string{"prod/backend", "staging/backend"}},
		{"staging/worker", "", nil},
		{"nosuch/backend", "", nil},
		{"arn:aws:ecs:ap-northeast-2:123456789012:service/batch/worker", "prod/worker", nil},
	}
	for _, tt := range tests {
		got, ok := l.Resolve(tt.in)
		if ok != (tt.wantName != "") || (ok && got.Name() != tt.wantName) {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got.Name(), ok, tt.wantName)
		}
		if amb := l.Ambiguous(tt.in); strings.Join(amb, ",") != strings.Join(tt.wantAmbig, ",") {
			t.Errorf("Ambiguous(%q) = %v; want %v", tt.in, amb, tt.wantAmbig)
		}
	}
}
