// Package fleet makes worlds of many services for scale tests and
// benchmarks (the 50-service daily summary), and tallies what the
// simulator was asked, which is the figure those tests watch.
package fleet

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Now is the present of every generated world.
var Now = time.Date(2024, 4, 17, 13, 40, 0, 0, time.FixedZone("KST", 9*3600))

// Options shape a generated world.
type Options struct {
	Hours             int                 // of CPU and memory, one point per 5 minutes, up to Now
	Value             func(i int) float64 // the i-th point of every series; nil is a steady 40
	CapacityProviders bool                // give the cluster a capacity provider (and list another one)
}

// World is one EC2 cluster, "club", with three container instances and n
// services svc00, svc01, …, each running one task of its own family.
//
// Every series holds the same points, so a large world is parsed with an
// hour of them and each series then given the points of a one-service
// world: a day of 1,000 services is over a world file's budget of values.
func World(n int, opt Options) (*world.World, error) {
	if opt.Hours <= 0 {
		opt.Hours = 4
	}
	if n <= 1 || opt.Hours == 1 {
		return parse(n, opt)
	}
	short := opt
	short.Hours = 1
	w, err := parse(n, short)
	if err != nil {
		return nil, err
	}
	one, err := parse(1, opt)
	if err != nil {
		return nil, err
	}
	for i := range w.Metrics {
		w.Metrics[i].Points = append([]world.Point(nil), one.Metrics[0].Points...)
	}
	return w, nil
}

func parse(n int, opt Options) (*world.World, error) {
	points := opt.Hours * 12
	start := Now.Add(-time.Duration(opt.Hours)*time.Hour + 5*time.Minute).Format(time.RFC3339)
	vals := make([]string, points)
	for i := range vals {
		v := 40.0
		if opt.Value != nil {
			v = opt.Value(i)
		}
		vals[i] = fmt.Sprint(v)
	}
	values := strings.Join(vals, ", ")
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nnow: %q\nregion: ap-northeast-2\naccountId: \"111122223333\"\n", Now.Format(time.RFC3339))
	if opt.CapacityProviders {
		fmt.Fprintf(&b, "clusters:\n  - {clusterName: club, clusterArn: %scluster/club, status: ACTIVE, capacityProviders: [club-cp]}\n", arn)
		fmt.Fprintf(&b, "capacityProviders:\n  - {name: club-cp, capacityProviderArn: %scapacity-provider/club-cp, status: ACTIVE}\n  - {name: other-cp, capacityProviderArn: %scapacity-provider/other-cp, status: ACTIVE}\n", arn, arn)
	} else {
		fmt.Fprintf(&b, "clusters:\n  - {clusterName: club, clusterArn: %scluster/club, status: ACTIVE}\n", arn)
	}
	b.WriteString("containerInstances:\n")
	for i := range 3 {
		fmt.Fprintf(&b, "  - {containerInstanceArn: %scontainer-instance/club/%032x, ec2InstanceId: i-%017x, status: ACTIVE, agentConnected: true}\n", arn, i+1, i+1)
	}
	b.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {serviceName: svc%02d, serviceArn: %sservice/club/svc%02d, clusterArn: %scluster/club, status: ACTIVE, taskDefinition: %stask-definition/svc%02d:1, desiredCount: 1, runningCount: 1, launchType: EC2}\n",
			i, arn, i, arn, arn, i)
	}
	b.WriteString("taskDefinitions:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {taskDefinitionArn: %stask-definition/svc%02d:1, family: svc%02d, revision: 1, status: ACTIVE, containerDefinitions: [{name: app, image: app, essential: true, memory: 128}]}\n", arn, i, i)
	}
	b.WriteString("metrics:\n")
	for _, m := range []string{"CPUReservation", "MemoryReservation", "CPUUtilization"} {
		fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club}, period: 300, start: %q, values: [%s]}\n", m, start, values)
	}
	for i := range n {
		for _, m := range []string{"CPUUtilization", "MemoryUtilization"} {
			fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club, ServiceName: svc%02d}, period: 300, start: %q, values: [%s]}\n", m, i, start, values)
		}
	}
	w, err := world.Parse(fmt.Sprintf("fleet-%d", n), []byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("the generated world does not load: %w", err)
	}
	return w, nil
}

// Tally is what a run asked of the simulator.
type Tally struct {
	ECS           int // calls to ECS
	GetMetricData int
	RoundTrips    int // sequential, the critical path
}

// Count tallies a call log.
func Count(calls []sim.Call) Tally {
	t := Tally{RoundTrips: sim.RoundTrips(calls)}
	for _, c := range calls {
		switch {
		case c.Service == sim.SvcECS:
			t.ECS++
		case c.Operation == "GetMetricData":
			t.GetMetricData++
		}
	}
	return t
}

// PeakHeap runs f and returns the most heap it had in use above what was
// in use before, sampled every millisecond: what a benchmark reports as
// the memory a step needed at its peak.
func PeakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return max(peak, base) - base
}
