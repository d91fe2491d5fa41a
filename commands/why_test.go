package commands

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func TestWhyGolden(t *testing.T) {
	t.Parallel()
	snap := fixtureSnapshot(t)
	ref := ServiceRef{Alias: "backend", Cluster: "codedang", Service: "backend"}
	tests := []struct {
		name     string
		fixture  string
		withSnap bool
	}{
		{"why_incident", "diagnosis_incident.json", true},
		{"why_unknown", "diagnosis_unknown.json", false},
		// Thin evidence: no stop code, a host that is gone, a port conflict.
		{"why_thin_spot_no_code", "diagnosis_thin_spot_no_code.json", false},
		{"why_thin_host_gone", "diagnosis_thin_host_gone.json", false},
		{"why_thin_placement_ports", "diagnosis_thin_placement_ports.json", false},
	}
	for _, tt := range tests {
		for _, lang := range text.Languages {
			t.Run(tt.name+"_"+lang, func(t *testing.T) {
				v := explain.View{Name: ref.Name(), D: fixtureDiagnosis(t, tt.fixture), Loc: kst}
				if tt.withSnap {
					v.Snap = snap
				}
				m := explain.Fit(explain.Why(text.New(lang), v))
				checkLimits(t, m)
				if tt.withSnap {
					if len(m.Attachments) != 1 {
						t.Fatalf("got %d attachments, want the chart", len(m.Attachments))
					}
					img, err := png.Decode(bytes.NewReader(m.Attachments[0].Data))
					if err != nil {
						t.Fatalf("chart is not a PNG: %v", err)
					}
					if s := img.Bounds().Size(); s.X != 800 || s.Y != 300 {
						t.Errorf("chart is %v, want 800x300", s)
					}
				}
				goldenReply(t, tt.name+"_"+lang, m)
			})
		}
	}
}

// TestWhyIncidentWords pins the sentences the club needed that afternoon.
func TestWhyIncidentWords(t *testing.T) {
	t.Parallel()
	d := fixtureDiagnosis(t, "diagnosis_incident.json")
	ref := ServiceRef{Alias: "backend"}
	tests := []struct {
		lang  string
		title string
		desc  string
	}{
		{"en", "backend: stopped after failing load-balancer health checks — CPU-starved, not out of memory",
			"The backend task failed the ALB health checks and ECS replaced it. It was not out of memory (OOM): CPU was at 99 % of its reservation."},
		{"ko", "backend: 로드밸런서 헬스 체크 실패로 교체됨 — 메모리 부족이 아니라 CPU 부족",
			"backend 태스크가 ALB 헬스 체크에 실패해 ECS가 교체했습니다. 메모리 부족(OOM)이 아니었습니다: CPU가 예약량의 99%였습니다."},
	}
	for _, tt := range tests {
		m := explain.Why(text.New(tt.lang), explain.View{Name: ref.Name(), D: d})
		if m.Title != tt.title {
			t.Errorf("%s title = %q, want %q", tt.lang, m.Title, tt.title)
		}
		if !strings.HasPrefix(m.Description, tt.desc) {
			t.Errorf("%s description = %q, want it to start %q", tt.lang, m.Description, tt.desc)
		}
		if m.Severity != reply.Critical {
			t.Errorf("%s severity = %v, want Critical", tt.lang, m.Severity)
		}
		want := []string{"!scale backend cpu 1024", "!reservation on", "!autoscale backend on min 2 max 4 cpu 60"}
		var got []string
		for _, b := range m.Buttons {
			got = append(got, b.ID)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s buttons = %q, want %q", tt.lang, got, want)
		}
	}
}

func TestCauseSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cause   string
		factors []string
		want    reply.Severity
	}{
		{diagnose.CauseOOMKilled, nil, reply.Critical},
		{diagnose.CauseNoRecentStops, nil, reply.OK},
		{diagnose.CauseDeployment, nil, reply.Info},
		{diagnose.CauseDeployment, []string{diagnose.FactorCircuitBreaker}, reply.Critical},
		{diagnose.CauseSpotInterruption, nil, reply.Warning},
		{diagnose.CauseUnknown, nil, reply.Warning},
		{"a-future-cause", nil, reply.Critical},
	}
	for _, tt := range tests {
		if got := explain.CauseSeverity(tt.cause, tt.factors); got != tt.want {
			t.Errorf("explain.CauseSeverity(%q, %v) = %v, want %v", tt.cause, tt.factors, got, tt.want)
		}
	}
}

// TestEveryCauseHasWords renders a bare diagnosis per cause code in both
// languages: no message ID may show through.
func TestEveryCauseHasWords(t *testing.T) {
	t.Parallel()
	causes := []string{diagnose.CauseOOMKilled, diagnose.CauseELBHealthCheck, diagnose.CauseContainerHealthCheck,
		diagnose.CauseAppCrash, diagnose.CauseAppExited, diagnose.CauseDeployment, diagnose.CauseScaleIn,
		diagnose.CauseUserStopped, diagnose.CauseHostTerminated, diagnose.CauseSpotInterruption,
		diagnose.CauseAWSMaintenance, diagnose.CauseImagePullFailed, diagnose.CauseResourceInitFailed,
		diagnose.CauseContainerStartFailed, diagnose.CausePlacementFailed, diagnose.CauseNoRecentStops, diagnose.CauseUnknown, ""}
	factors := []string{diagnose.FactorCPUStarved, diagnose.FactorMemoryPressure, diagnose.FactorClusterCPUFull,
		diagnose.FactorClusterMemoryFull, diagnose.FactorScalingDisabled, diagnose.FactorNoGracePeriod,
		diagnose.FactorTightHealthCheck, diagnose.FactorSigtermIgnored, diagnose.FactorCrashLoop,
		diagnose.FactorCircuitBreaker, diagnose.FactorLogFlood}
	for _, lang := range text.Languages {
		for _, c := range causes {
			d := diagnose.Diagnosis{Verdict: diagnose.Verdict{Cause: c, Contributing: factors, Confidence: diagnose.ConfidenceMedium}}
			m := explain.Why(text.New(lang), explain.View{Name: "svc", D: d})
			all := m.Title + m.Description
			for _, f := range m.Fields {
				all += f.Name + f.Value
			}
			for _, leak := range []string{"cause.", "factor.", "why.", "ev.", "confidence.", "<no value>"} {
				if strings.Contains(all, leak) {
					t.Errorf("%s/%q: %q shows through:\n%s", lang, c, leak, all)
				}
			}
		}
	}
}

// checkLimits asserts Discord's embed limits.
func checkLimits(t *testing.T, m reply.Message) {
	t.Helper()
	n := utf8.RuneCountInString
	if n(m.Title) > reply.MaxTitle || n(m.Description) > reply.MaxDescription || len(m.Fields) > reply.MaxFields || explain.Total(m) > reply.MaxTotal {
		t.Errorf("over Discord's limits: title %d, description %d, fields %d, total %d",
			n(m.Title), n(m.Description), len(m.Fields), explain.Total(m))
	}
	for _, f := range m.Fields {
		if n(f.Value) > reply.MaxFieldValue || n(f.Name) > reply.MaxFieldName {
			t.Errorf("field %q is %d long", f.Name, n(f.Value))
		}
	}
	for _, b := range m.Buttons {
		if n(b.Label) > explain.MaxButtonLabel {
			t.Errorf("button label %q too long", b.Label)
		}
	}
	if len(m.Buttons) > explain.MaxButtons {
		t.Errorf("%d buttons", len(m.Buttons))
	}
}
