package config

import (
	"strings"
	"testing"
)

// TestNameLengths: the patterns match any length and the code checks the
// limits (a counted repetition costs start-up), so the limits are tested
// at their edges.
func TestNameLengths(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/"
	for _, tc := range []struct {
		name string
		ok   func(string) bool
		in   string
		want bool
	}{
		{"name 255", isName, strings.Repeat("a", 255), true},
		{"name 256", isName, strings.Repeat("a", 256), false},
		{"name empty", isName, "", false},
		{"name slash", isName, "a/b", false},
		{"role 512", isRoleARN, role + strings.Repeat("r", 512), true},
		{"role 513", isRoleARN, role + strings.Repeat("r", 513), false},
		{"role path", isRoleARN, role + "ops/ecsmedic", true},
		{"cluster arn 255", func(s string) bool { _, ok := clusterName(s); return ok }, "arn:aws:ecs:ap-northeast-2:123456789012:cluster/" + strings.Repeat("c", 255), true},
		{"cluster arn 256", func(s string) bool { _, ok := clusterName(s); return ok }, "arn:aws:ecs:ap-northeast-2:123456789012:cluster/" + strings.Repeat("c", 256), false},
	} {
		if got := tc.ok(tc.in); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
