package world

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// hostile are generated world files that must be refused before they cost
// memory, with the message a user sees. under is the length of each list
// in the file that stays under every budget: the benchmark takes the
// largest (80,000), the test a small one, as it only checks the message.
func hostile(under int) []struct {
	name string
	data []byte
	want string
} {
	return []struct {
		name string
		data []byte
		want string
	}{
		{"3 million values in one flow list", []byte("version: 1\nmetrics:\n  - {namespace: N, metricName: M, start: 0, values: [" + strings.Repeat("1,", 3_000_000) + "1]}\n"),
			"big.yaml:3: the file holds more than 500000 values by line 3"},
		{"3 million values one a line", []byte("version: 1\nmyNote:\n" + strings.Repeat("- 1\n", 3_000_000)),
			"big.yaml:125001: the file holds more than 500000 values by line 125001"},
		{"a list too long", []byte("version: 1\nmyNote: [" + strings.Repeat("1,", maxListLen) + "1]\n"),
			"big.yaml:2:9: this list has 100001 items; a list in a world file may have at most 100000"},
		{"an alias bomb", []byte(anchorsOfAnchors(9, 10)),
			"big.yaml:7:5: with its anchors (&name) expanded where they are used (*name), the file holds more than 500000 values"},
		{"over 16 MiB", []byte("version: 1\n" + strings.Repeat("# padding\n", 1_700_000)),
			"big.yaml: the file is over 16 MiB"},
		// The worst case: just under every budget, so the whole file is
		// read and converted before a problem at its end refuses it.
		{"just under the budgets, wrong version", []byte("a: [" + strings.Repeat("1,", under) + "1]\nb: [" + strings.Repeat("1,", under) + "1]\nc: [" +
			strings.Repeat("1,", under) + "1]\nversion: 2\n"),
			"big.yaml:4:10: version: unknown version 2"},
		{"nested 2000 deep", []byte("version: 1\nmyNote: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n"),
			"the file nests deeper than 1000 levels"},
	}
}

// anchorsOfAnchors is a "billion laughs" world: levels lists of width
// items, each item of a list an alias of the list before it.
func anchorsOfAnchors(levels, width int) string {
	var b strings.Builder
	b.WriteString("version: 1\na0: &a0 [" + strings.Repeat("x, ", width-1) + "x]\n")
	for i := 1; i < levels; i++ {
		prev := fmt.Sprintf("*a%d", i-1)
		fmt.Fprintf(&b, "a%d: &a%d [%s%s]\n", i, i, strings.Repeat(prev+", ", width-1), prev)
	}
	return b.String()
}

func TestHostileWorldsRefused(t *testing.T) {
	for _, tt := range hostile(1000) {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("big.yaml", tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "fix:") && !strings.Contains(tt.name, "wrong version") {
				t.Errorf("no fix in %v", err)
			}
		})
	}
}

// TestLoadRefusesHugeFileUnread: a file over the byte budget is refused
// from its size.
func TestLoadRefusesHugeFileUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 1<<30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "huge.yaml: the file is over 16 MiB") {
		t.Fatalf("Load = %v", err)
	}
}

// TestCountValuesBounds: the count read from the bytes is never below the
// YAML tree's size, for the built-in worlds and shapes that pack values
// densely; and it stays close for a real world.
func TestCountValuesBounds(t *testing.T) {
	inputs := map[string]string{
		"flow mapping keys without values": "a: {b, c, d, e}\n",
		"nested sequences":                 "- - - - x\n- [[a], [b, c]]\n",
		"empty values":                     "a:\nb:\nc: [~, '']\n",
		"explicit keys":                    "? a\n: b\n? [c]\n",
		"block scalar":                     "a: |\n  one\n  two, three: four\nb: >\n  x\n",
		"aliases":                          "a: &x [1, 2]\nb: [*x, *x, *x]\n",
	}
	for _, name := range BuiltinNames() {
		data, _ := builtinFS.ReadFile("builtin/" + name + ".yaml")
		inputs["builtin "+name] = string(data)
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(in), &doc); err != nil {
				t.Fatal(err)
			}
			nodes := treeSize(&doc)
			count, _ := countValues([]byte(in), 1<<30)
			if count < nodes {
				t.Errorf("count %d < %d nodes", count, nodes)
			}
			if strings.HasPrefix(name, "builtin") && count > 4*nodes {
				t.Errorf("count %d is more than 4× the %d nodes: the budget would refuse real worlds early", count, nodes)
			}
			t.Logf("%d nodes, counted %d", nodes, count)
		})
	}
}

func treeSize(n *yaml.Node) int {
	s := 1
	for _, c := range n.Content {
		s += treeSize(c)
	}
	return s
}

// BenchmarkHostileRefusal reports what refusing each hostile world costs:
// B/op is the memory allocated before the refusal.
func BenchmarkHostileRefusal(b *testing.B) {
	for _, tt := range hostile(80_000) {
		b.Run(strings.ReplaceAll(tt.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse("big.yaml", tt.data); err == nil {
					b.Fatal("loaded")
				}
			}
		})
	}
}

// BenchmarkParseIncident is the cost of loading the largest real world.
func BenchmarkParseIncident(b *testing.B) {
	data, _ := builtinFS.ReadFile("builtin/incident.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("incident.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAnchorGrowth(t *testing.T) {
	// A few anchors reused a few times load.
	ok := "version: 1\nx-td: &td {family: f, cpu: 512}\nmyNote: [*td, *td, *td, *td]\n"
	if _, err := Parse("ok.yaml", []byte(ok)); err != nil {
		t.Fatalf("modest anchors refused: %v", err)
	}
	// 3 levels of 30: small, but 27,000 values once expanded.
	_, err := Parse("grow.yaml", []byte(anchorsOfAnchors(3, 30)))
	if err == nil || !strings.Contains(err.Error(), "a world file may grow at most 10 times so") {
		t.Fatalf("growth: %v", err)
	}
}
