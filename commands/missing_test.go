package commands

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// TestWhyShowsDeniedReads: a read the gatherer was denied reaches every
// renderer of why: the chat reply, the terminal and --format json. (It
// used to reach the diagnosis's English list only, which the chat reply did
// not render once the diagnosis had codes of its own.)
func TestWhyShowsDeniedReads(t *testing.T) {
	const line = "CloudWatch metrics: access denied for cloudwatch:GetMetricData"
	refs := []ServiceRef{{Alias: "backend", Cluster: "codedang", Service: "backend"}}
	r, _ := simRouter(t, "../aws/world/builtin/incident.yaml", refs, "GetMetricData=accessdenied")
	ctx := context.Background()

	for _, lang := range []string{"en", "ko"} {
		ms := r.Handle(ctx, Input{Text: "!why backend", Locale: lang})
		if len(ms) != 1 {
			t.Fatalf("%s: got %d messages, want 1", lang, len(ms))
		}
		var chat strings.Builder
		for _, f := range ms[0].Fields {
			chat.WriteString(f.Name + "\n" + f.Value + "\n")
		}
		if n := strings.Count(chat.String(), line); n != 1 {
			t.Errorf("%s: the chat reply says %q %d times, want once:\n%s", lang, line, n, chat.String())
		}
		if term := reply.RenderText(ms[0], reply.TextOptions{}); !strings.Contains(term, line) {
			t.Errorf("%s: the terminal does not say %q:\n%s", lang, line, term)
		}
	}

	d, err := r.Diagnose(ctx, WhyRequest{Service: "backend"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Missing      []string `json:"missing"`
		MissingCodes []string `json:"missingCodes"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Missing) != len(got.MissingCodes) {
		t.Errorf("%d missing lines but %d codes: %s", len(got.Missing), len(got.MissingCodes), b)
	}
	found := false
	for i, l := range got.Missing {
		if l == line && i < len(got.MissingCodes) && got.MissingCodes[i] == "access-denied" {
			found = true
		}
	}
	if !found {
		t.Errorf("--format json lacks %q with code access-denied:\n%s", line, b)
	}
}
