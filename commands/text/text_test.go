package text

import (
	"sort"
	"strings"
	"testing"
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
				"Channel", "Current", "Family"} {
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
