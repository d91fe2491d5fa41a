package commands

import (
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func TestLogsGolden(t *testing.T) {
	t.Parallel()
	snap := fixtureSnapshot(t)
	ref := ServiceRef{Alias: "backend", Cluster: "codedang", Service: "backend"}
	tests := []struct {
		name string
		id   string
		n    int
	}{
		{"last5", "", 5},
		{"named", "5e1f6c3a", 100},
		{"running_no_logs", "9d1c0b7e", 20},
		{"no_such_task", "abcdef12", 20},
	}
	for _, tt := range tests {
		for _, lang := range text.Languages {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				m := explain.Fit(renderLogs(text.New(lang), ref, snap, tt.id, tt.n, "!", kst))
				checkLimits(t, m)
				goldenReply(t, "logs_"+tt.name+"_"+lang, m)
			})
		}
	}
}
