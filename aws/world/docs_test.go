package world

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// docs/world-format.md explains the format to people who capture and share
// worlds. It must name every key the loader reads, and its example must load.
func TestWorldFormatDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/world-format.md")
	if err != nil {
		t.Fatalf("the docs are part of the interface: %v", err)
	}
	doc := string(b)
	keys := []string{"version", "now", "region", "accountId", "externalId", "accounts", "metrics", "logs",
		"namespace", "metricName", "dimensions", "unit", "period", "start", "values", "stats", "points",
		"Average", "Maximum", "Minimum", "Sum", "SampleCount",
		"average", "maximum", "minimum", "sum", "sampleCount",
		"logGroupName", "logStreamName", "events", "timestamp", "message", "ingestionTime", "creationTime"}
	for k, kind := range objectKinds {
		keys = append(keys, k)
		for extra := range kind.extra {
			keys = append(keys, extra)
		}
	}
	for _, k := range keys {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("docs/world-format.md does not mention `%s`", k)
		}
	}

	// Every yaml example in the page loads; the complete one is the
	// built-in example.
	blocks := strings.Split(doc, "```yaml\n")
	if len(blocks) < 2 {
		t.Fatal("docs/world-format.md has no yaml example")
	}
	loaded := 0
	for _, blk := range blocks[1:] {
		src, _, _ := strings.Cut(blk, "```")
		if strings.HasPrefix(src, "accounts:") {
			if _, err := Parse("docs/world-format.md", []byte("version: 1\naccountId: \"111122223333\"\nregion: ap-northeast-2\n"+src)); err != nil {
				t.Errorf("the example of accounts does not load: %v", err)
			}
			continue
		}
		if strings.HasPrefix(src, "metrics:") || strings.HasPrefix(src, "logs:") {
			// A fragment of one list: it loads as a file of its own.
			if _, err := Parse("docs/world-format.md", []byte("version: 1\n"+src)); err != nil {
				t.Errorf("the example of %s does not load: %v", strings.Fields(src)[0], err)
			}
			continue
		}
		if !strings.HasPrefix(src, "version:") {
			continue // a fragment, not a whole file
		}
		w, err := Parse("docs/world-format.md", []byte(src))
		if err != nil {
			t.Errorf("the example does not load: %v", err)
			continue
		}
		want, err := Builtin("example")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("the example differs from aws/world/builtin/example.yaml; keep them the same")
		}
		loaded++
	}
	if loaded == 0 {
		t.Error("docs/world-format.md has no complete example (a yaml block starting with version:)")
	}
}
