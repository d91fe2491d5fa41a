package fleetmetrics

import (
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/internal/fleet"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Each stop counts once, when the watcher records it with its cause,
// however often it is recorded again; the record still reaches the store.
func TestCountStops(t *testing.T) {
	st := openStore(t)
	refs := []svcref.Ref{{Alias: "api", Service: "backend"}}
	f := New(Config{Cluster: "codedang", Services: refs}, nil)
	if refs[0].Cluster != "" {
		t.Errorf("New changed the caller's services (cluster %q); the router shares them", refs[0].Cluster)
	}
	counting := f.CountStops(st)
	arn := func(id string) string { return "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/" + id }
	for _, r := range []store.StopRecord{
		{TaskArn: arn("t1"), Cluster: "codedang", Service: "backend", StoppedAt: fleet.Now},                            // raw: no cause yet
		{TaskArn: arn("t1"), Cluster: "codedang", Service: "backend", StoppedAt: fleet.Now, Cause: "elb-health-check"}, // diagnosed
		{TaskArn: arn("t1"), Cluster: "codedang", Service: "backend", StoppedAt: fleet.Now, Cause: "elb-health-check"}, // an alert retried
		{TaskArn: arn("t2"), Cluster: "codedang", Service: "backend", StoppedAt: fleet.Now, Cause: "elb-health-check"},
		{TaskArn: arn("t3"), Cluster: "codedang", Service: "backend", StoppedAt: fleet.Now, Cause: "deployment"},
	} {
		if _, err := counting.RecordStop(r); err != nil {
			t.Fatal(err)
		}
	}
	fams := scrape(t, serve(t, f))
	for cause, want := range map[string]float64{"elb-health-check": 2, "deployment": 1} {
		got, ok := value(fams, "ecsmedic_service_stops_total", map[string]string{"cluster": "codedang", "service": "api", "ecs_service": "backend", "cause": cause})
		if !ok || got != want {
			t.Errorf("stops for %s: %v (present %v), want %v", cause, got, ok, want)
		}
	}
	recs, err := st.Stops("codedang", "backend", fleet.Now.Add(-time.Hour))
	if err != nil || len(recs) != 3 {
		t.Errorf("the store holds %d stops (%v), want 3", len(recs), err)
	}
}
