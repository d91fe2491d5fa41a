package commands

import (
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func TestStatusGolden(t *testing.T) {
	t.Parallel()
	snap := fixtureSnapshot(t)
	ref := ServiceRef{Alias: "backend", Cluster: "codedang", Service: "backend"}
	for _, lang := range text.Languages {
		t.Run(lang, func(t *testing.T) {
			m := explain.Fit(renderStatus(text.New(lang), ref, snap, "!", kst))
			checkLimits(t, m)
			goldenReply(t, "status_"+lang, m)
		})
	}
}
