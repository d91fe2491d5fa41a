package commands

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/commands/text"
)

// TestSummaryChartRows: a large cluster's chart draws maxChartRows
// services, those needing attention first, then the busiest, and says
// how many it left out; a small one draws every service found, in order.
func TestSummaryChartRows(t *testing.T) {
	views := func(n int, hot ...int) []serviceView {
		var out []serviceView
		for i := range n {
			s := serviceView{Ref: ServiceRef{Cluster: "club", Service: fmt.Sprintf("svc%02d", i)}, Found: true,
				CPU: stat{Peak: float64(i % 50), Avg: 1, OK: true}}
			for _, h := range hot {
				if h == i {
					s.Reasons = []string{"hot"}
				}
			}
			out = append(out, s)
		}
		return out
	}
	names := func(vs []serviceView) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Ref.Service)
		}
		return strings.Join(out, " ")
	}
	small := views(5)
	small[2].Found = false
	tests := []struct {
		name      string
		views     []serviceView
		wantFirst string // the first rows
		wantRows  int
		wantMore  int
	}{
		{name: "small", views: small, wantFirst: "svc00 svc01 svc03 svc04", wantRows: 4},
		{name: "at the limit", views: views(maxChartRows), wantFirst: "svc00 svc01", wantRows: maxChartRows},
		{name: "large", views: views(1000, 3, 700), wantFirst: "svc03 svc700 svc49 svc99 svc149", wantRows: maxChartRows, wantMore: 1000 - maxChartRows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, more := chartRows(tt.views)
			if len(rows) != tt.wantRows || more != tt.wantMore {
				t.Fatalf("%d rows and %d more, want %d and %d", len(rows), more, tt.wantRows, tt.wantMore)
			}
			if got := names(rows); !strings.HasPrefix(got, tt.wantFirst) {
				t.Errorf("rows %s, want them to start %s", got, tt.wantFirst)
			}
			for _, lang := range text.Languages {
				a, ok := summaryChart(text.New(lang), tt.views)
				if !ok || len(a.Data) == 0 {
					t.Fatalf("%s: no chart", lang)
				}
				lines := strings.Split(a.Text, "\n")
				if want := 1 + len(rows) + min(more, 1); len(lines) != want {
					t.Errorf("%s: %d lines of text, want %d:\n%s", lang, len(lines), want, a.Text)
				}
				if more > 0 && !strings.Contains(lines[len(lines)-1], fmt.Sprint(more)) {
					t.Errorf("%s: the last line does not say how many were left out: %q", lang, lines[len(lines)-1])
				}
			}
		})
	}
}
