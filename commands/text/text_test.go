package text

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// Both languages must say everything, and every template must render with
// the data the code gives it.
func TestLanguagesMatch(t *testing.T) {
	en, ko := IDs("en"), IDs("ko")
	if len(en) == 0 {
		t.Fatal("no English messages loaded")
	}
	for id := range en {
		if !ko[id] {
			t.Errorf("ko.yaml lacks %q", id)
		}
	}
	for id := range ko {
		if !en[id] {
			t.Errorf("en.yaml lacks %q (ko has it)", id)
		}
	}
}

func TestTemplatesRender(t *testing.T) {
	for _, lang := range Languages {
		p := New(lang)
		ids := IDs(lang)
		keys := make([]string, 0, len(ids))
		for id := range ids {
			keys = append(keys, id)
		}
		sort.Strings(keys)
		for _, id := range keys {
			// Every name any template uses, with a value.
			kv := []any{}
			for _, n := range []string{"Service", "Cause", "CPU", "Host", "Pct", "Units", "MiB", "Name", "Code", "Reason",
				"Secs", "Timeout", "N", "Minutes", "From", "To", "Level", "Factors", "Status", "Rev", "Running", "Desired",
				"State", "At", "Task", "Prefix", "Command", "Usage", "Arg", "Max", "Names", "Commands", "Shown", "Cluster",
				"V", "Grace", "NewUnits", "NewMiB", "HasCPU", "HasHost", "HasUnits", "HasMiB", "HasCommand",
				// guarded changes (commands/change)
				"Action", "After", "BMax", "BMin", "BTarget", "Base", "Before", "Best", "CPUs", "Container", "Count", "Done",
				"Err", "Event", "Field", "FreeCPU", "FreeMem", "Group", "Hi", "ID", "Instance", "Interval", "Is", "Lo", "Mem",
				"Min", "MaxPercent", "MinHealthy", "Now", "Others", "Policy", "Provider", "Requester", "Revision", "Seconds",
				"Step", "Subject", "Summary", "Target", "TaskDefinition", "Time", "Unit", "Value", "Was", "What", "Who", "Why",
				// the post-mortem (commands/postmortem*.go)
				"Causes", "Date", "Dur", "Error", "H", "HasID", "Lines", "M", "Pending", "Since", "Zone",
				// the Discord side (bot)
				"Channels", "Ref",
				"Channel", "Current", "Family",
				// two-person approval (commands/change/approvals.go)
				"Left",
				// the diagnosis's timeline (commands/diagnose Event.Say)
				"Peak", "Source"} {
				kv = append(kv, n, "x")
			}
			got := p.T(id, kv...)
			if got == id || strings.Contains(got, "<no value>") || strings.TrimSpace(got) == "" {
				t.Errorf("%s %s renders as %q", lang, id, got)
			}
		}
	}
}

func TestNormalizeAndFallback(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ko", "ko"}, {"ko-KR", "ko"}, {"EN_us", "en"}, {"fr", ""}, {"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := New("fr").T("help.title"); got != "ecsmedic commands" {
		t.Errorf("unsupported language: %q", got)
	}
	if got := New("ko").T("no.such.id"); got != "no.such.id" {
		t.Errorf("missing ID: %q", got)
	}
	var zero Printer
	if got := zero.T("help.title"); got != "ecsmedic commands" {
		t.Errorf("zero printer: %q", got)
	}
}

// TestNoHangulInGo: every Korean word lives in this package's message
// files, none in Go code (tests may quote replies).
func TestNoHangulInGo(t *testing.T) {
	root := moduleRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "commands/text" || rel == "vendor" || strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		buf, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for n, line := range strings.Split(string(buf), "\n") {
			if strings.IndexFunc(line, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0 {
				t.Errorf("%s:%d has Korean in Go code; put the words in commands/text: %s", rel, n+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// moduleRoot is the directory of go.mod above this package.
func moduleRoot(t *testing.T) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = up
	}
}

// TestWordsEveryLanguage: Words gathers a vocabulary entry from every
// language, English first, each word once.
func TestWordsEveryLanguage(t *testing.T) {
	got := Words("alias.help")
	if len(got) < 3 || got[0] != "help" {
		t.Errorf("Words(alias.help) = %q, want help first and the Korean words after", got)
	}
	if w := Words("no.such.entry"); w != nil {
		t.Errorf("Words of a missing entry = %q, want none", w)
	}
}

// TestChartTitlesLatin: the chart pictures' font has Latin letters only,
// so the Korean file keeps the English titles.
func TestChartTitlesLatin(t *testing.T) {
	en, ko := New("en"), New("ko")
	for id := range IDs("ko") {
		if strings.HasPrefix(id, "chart.") && strings.HasSuffix(id, ".title") && ko.T(id, "Service", "x") != en.T(id, "Service", "x") {
			t.Errorf("%s differs in ko.yaml; the chart font cannot draw it", id)
		}
	}
}
