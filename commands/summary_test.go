package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/store"
)

const incidentWorld = "../aws/world/builtin/incident.yaml"

// incidentRefs are every service of the incident world, by name.
func incidentRefs(t *testing.T) []ServiceRef {
	t.Helper()
	w, err := world.Load(incidentWorld)
	if err != nil {
		t.Fatal(err)
	}
	var refs []ServiceRef
	for _, s := range w.Services {
		name, _ := s["serviceName"].(string)
		refs = append(refs, ServiceRef{Alias: name, Cluster: "codedang", Service: name})
	}
	return refs
}

// fakeHistory is a stop history in memory.
type fakeHistory []store.StopRecord

func (h fakeHistory) Stops(cluster, service string, since time.Time) ([]store.StopRecord, error) {
	var out []store.StopRecord
	for _, r := range h {
		if r.Cluster == cluster && r.Service == service && !r.When().Before(since) {
			out = append(out, r)
		}
	}
	return out, nil
}

// TestSummaryGolden is the summary of the incident world, frozen, through
// the simulator and the real SDK clients: from ECS's stopped tasks (no
// store) and from a stop history with a crash loop.
func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	exit137 := int32(137)
	loop := fakeHistory{}
	base := time.Date(2024, 4, 17, 4, 10, 0, 0, time.UTC)
	for i := range 3 {
		loop = append(loop, store.StopRecord{
			TaskArn: "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/loop" + string(rune('a'+i)), Cluster: "codedang", Service: "backend",
			StoppedAt: base.Add(time.Duration(i) * 7 * time.Minute), StopCode: "ServiceSchedulerInitiated",
			StoppedReason: "Task failed ELB health checks in (target-group x)", Cause: "elb-health-check",
			Containers: []store.StopContainer{{Name: "backend", ExitCode: &exit137}},
		})
	}
	loop = append(loop, store.StopRecord{TaskArn: "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/deploy1", Cluster: "codedang", Service: "frontend",
		StoppedAt: base.Add(-3 * time.Hour), Cause: "deployment"})
	tests := []struct {
		name  string
		stops StopHistory
	}{
		{"summary_incident", nil},
		{"summary_incident_history", loop},
	}
	for _, tt := range tests {
		for _, lang := range text.Languages {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				r, _ := simRouter(t, incidentWorld, incidentRefs(t))
				r.env.Location = kst
				r.env.Stops = tt.stops
				ms := r.Summary(context.Background(), SummaryRequest{From: From{Locale: lang}})
				if len(ms) != 1 {
					t.Fatalf("got %d messages, want 1", len(ms))
				}
				m := ms[0]
				checkLimits(t, m)
				if m.Failed {
					t.Fatalf("summary failed: %s", m.Description)
				}
				if len(m.Attachments) != 1 || len(m.Attachments[0].Data) == 0 || m.Attachments[0].Text == "" {
					t.Errorf("want one chart with a text fallback, got %+v", m.Attachments)
				}
				goldenReply(t, tt.name+"_"+lang, m)
			})
		}
	}
}

// TestSummaryAttentionFirst pins the order and wording of the reasons.
func TestSummaryAttentionFirst(t *testing.T) {
	t.Parallel()
	r, _ := simRouter(t, incidentWorld, incidentRefs(t))
	r.env.Location = kst
	m := r.Summary(context.Background(), SummaryRequest{From: From{Locale: "en"}})[0]
	want := "**backend**: 1 stop (elb-health-check), CPU peaked 99.6 %"
	if !strings.Contains(m.Description, want) {
		t.Errorf("description lacks %q:\n%s", want, m.Description)
	}
	if len(m.Fields) < 2 || !strings.Contains(m.Fields[1].Name, "backend") {
		t.Errorf("backend should come first after the cluster: %v", fieldNames(m))
	}
}

func fieldNames(m reply.Message) []string {
	var out []string
	for _, f := range m.Fields {
		out = append(out, f.Name)
	}
	return out
}

// TestSummaryManyServices cuts 60 services to Discord's limits and says
// how many more there are.
func TestSummaryManyServices(t *testing.T) {
	t.Parallel()
	var v summaryView
	v.Now = time.Date(2024, 4, 17, 4, 40, 0, 0, time.UTC)
	v.Since, v.Loc, v.StopsFrom = v.Now.Add(-summaryWindow), kst, stopsFromStore
	c := clusterView{Name: "club", CPURes: stat{Peak: 95, Avg: 80, Last: 90, OK: true}, Growth: growth{EC2: true}}
	for i := range 60 {
		s := serviceView{Ref: ServiceRef{Service: "service-with-a-long-name-" + string(rune('a'+i%26)) + string(rune('a'+i/26))},
			Found: true, Running: 1, Desired: 1, Stops: map[string]int{}, CPU: stat{Peak: 40, Avg: 20, OK: true}, Mem: stat{Peak: 30, Avg: 20, OK: true}}
		if i%3 == 0 {
			s.Stops["app-crash"] = 2
			s.CPU.Peak = 99
		}
		c.Services = append(c.Services, s)
	}
	v.Clusters = []clusterView{c}
	for _, lang := range text.Languages {
		m := explain.Fit(renderSummary(text.New(lang), v))
		checkLimits(t, m)
		last := m.Fields[len(m.Fields)-1]
		if !strings.Contains(last.Name, "…") {
			t.Errorf("%s: the last field should say how many more: %q", lang, last.Name)
		}
		if got := strings.Count(m.Description, "\n• "); got != maxAttentionLns {
			t.Errorf("%s: %d attention lines, want %d", lang, got, maxAttentionLns)
		}
	}
}

// TestSummaryCommand is `!summary` as the router's table runs it (the lead
// lists summaryCommand() in place of notYet("summary")).
func TestSummaryCommand(t *testing.T) {
	t.Parallel()
	r, _ := simRouter(t, incidentWorld, incidentRefs(t))
	cmd := summaryCommand()
	if cmd.Name != "summary" || cmd.Run == nil {
		t.Fatalf("command %+v", cmd)
	}
	tests := []struct {
		args   []string
		failed bool
		title  string
	}{
		{nil, false, "📋 일일 요약 · codedang"},
		{[]string{"backend"}, true, ""},
	}
	for _, tt := range tests {
		c := &call{in: Input{Locale: "ko"}, line: Line{Command: "summary", Args: tt.args}, p: text.New("ko")}
		ms := cmd.Run(context.Background(), r, c)
		if len(ms) != 1 || ms[0].Failed != tt.failed || !strings.HasPrefix(ms[0].Title, tt.title) {
			t.Errorf("summary %v: %+v", tt.args, ms)
		}
	}
}

// TestSummaryWithoutAWS answers kindly.
func TestSummaryWithoutAWS(t *testing.T) {
	t.Parallel()
	r := NewRouter(Env{Services: incidentRefs(t)})
	m := r.Summary(context.Background(), SummaryRequest{From: From{Locale: "en"}})[0]
	if !m.Failed {
		t.Errorf("want an error reply, got %q", m.Title)
	}
}
