package aws

import (
	"context"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/svcref"
)

func TestTargetsNameTheTarget(t *testing.T) {
	tg := NewTargets(map[string]Config{
		"prod":    {Region: "ap-northeast-2", Endpoint: "http://127.0.0.1:1"},
		"staging": {Region: "ap-northeast-1", Endpoint: "http://127.0.0.1:2"},
	})
	ctx := context.Background()
	tests := []struct {
		target, wantErr string
	}{
		{"", "name the service as TARGET/ALIAS, such as prod/backend"},
		{"qa", `there is no target "qa" in the config; the targets are prod, staging`},
		{"staging", ""},
	}
	for _, tt := range tests {
		_, err := tg.GatherService(svcref.WithTarget(ctx, tt.target), "c", "s", GatherOptions{})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("target %q: err = %v, want %q", tt.target, err, tt.wantErr)
			}
			continue
		}
		c, err := tg.Clients(ctx, tt.target)
		if err != nil || c.Region != "ap-northeast-1" {
			t.Errorf("target %q: clients in %q, %v", tt.target, c.Region, err)
		}
		if again, _ := tg.Clients(ctx, tt.target); again != c {
			t.Errorf("target %q: clients built twice", tt.target)
		}
	}
	tg.CloseIdleConnections()
}
