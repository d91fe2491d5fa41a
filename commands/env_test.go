package commands

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	env := Env{Services: []ServiceRef{
		{Alias: "backend", Cluster: "codedang", Service: "codedang-api"},
		{Alias: "frontend", Cluster: "codedang", Service: "codedang-web"},
	}}
	tests := []struct {
		in   string
		want string // the alias found, or the error text
	}{
		{"backend", "backend"},
		{"BACKEND", "backend"},
		{" codedang-web ", "frontend"},
		{"arn:aws:ecs:ap-northeast-2:111122223333:service/codedang/codedang-api", "backend"}, // svcref.List.Resolve: pasted from an alert
		{"backnd", "no service 'backnd'. Did you mean backend? Known: backend, frontend"},
		{"front", "no service 'front'. Did you mean frontend? Known: backend, frontend"},
		{"db", "no service 'db'. Known: backend, frontend"},
		{"", "no service ''. Known: backend, frontend"},
	}
	for _, tt := range tests {
		ref, err := env.Resolve(tt.in)
		got := ref.Alias
		if err != nil {
			got = err.Error()
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("Resolve(%q) (-want +got):\n%s", tt.in, d)
		}
	}
	if _, err := (Env{}).Resolve("x"); err == nil || err.Error() != "no service 'x'. No services are configured." {
		t.Errorf("empty env: %v", err)
	}
}
