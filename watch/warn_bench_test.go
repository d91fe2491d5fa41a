package watch

import (
	"context"
	"fmt"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// BenchmarkWarnRound counts the AWS calls of one early-warning round
// (Watcher.WarnRound) and of a whole watcher round (the stop poll too)
// for 10, 50 and 200 services, each behind its own target group, in a
// quiet cluster: the figures README's "Early warning" gives.
func BenchmarkWarnRound(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			w, err := fleet.World(n, fleet.Options{Hours: 1})
			if err != nil {
				b.Fatal(err)
			}
			withTargetGroups(w)
			s, c, _ := serveWorld(b, w)
			st, err := store.Open(b.TempDir()+"/ecsmedic.db", store.Options{Now: c.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var refs []svcref.Ref
			for i := range n {
				refs = append(refs, svcref.Ref{Alias: fmt.Sprintf("svc%02d", i), Cluster: "club", Service: fmt.Sprintf("svc%02d", i)})
			}
			nt := &notifier{}
			wt := New(Config{Cluster: "club", Services: refs, Locale: "en", Instance: "bench", Warn: Warn{On: true}}, c, st, nt)
			ctx := context.Background()
			var warnCalls, pollCalls, metricCalls, healthCalls int
			for b.Loop() {
				s.ResetCalls()
				if err := wt.WarnRound(ctx); err != nil {
					b.Fatal(err)
				}
				calls := s.Calls()
				warnCalls += len(calls)
				for _, call := range calls {
					switch call.Operation {
					case "GetMetricData":
						metricCalls++
					case "DescribeTargetHealth":
						healthCalls++
					}
				}
				s.ResetCalls()
				if err := wt.Poll(ctx); err != nil {
					b.Fatal(err)
				}
				pollCalls += len(s.Calls())
			}
			if a, u := nt.counts(); a+u != 0 {
				b.Fatalf("a quiet cluster got %d warnings", a+u)
			}
			k := float64(b.N)
			b.ReportMetric(float64(warnCalls)/k, "warn-calls/poll")
			b.ReportMetric(float64(metricCalls)/k, "getmetricdata/poll")
			b.ReportMetric(float64(healthCalls)/k, "targethealth/poll")
			b.ReportMetric(float64(warnCalls+pollCalls)/k, "calls/poll")
		})
	}
}

// withTargetGroups puts every service of a fleet world behind a target
// group of its own with one healthy target.
func withTargetGroups(w *world.World) {
	for _, svc := range w.Services {
		name := svc["serviceName"].(string)
		arn := "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/" + name + "/0123456789abcdef"
		svc["loadBalancers"] = []any{map[string]any{"targetGroupArn": arn, "containerName": "app", "containerPort": int64(8080)}}
		w.TargetGroups = append(w.TargetGroups, world.Object{
			"TargetGroupArn": arn, "TargetGroupName": name, "Protocol": "HTTP", "Port": int64(8080), "TargetType": "instance",
			"TargetHealthDescriptions": []any{map[string]any{
				"Target": map[string]any{"Id": "i-00000000000000001", "Port": int64(32768)}, "TargetHealth": map[string]any{"State": "healthy"}}},
		})
	}
}
