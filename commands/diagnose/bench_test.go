package diagnose

import (
	"fmt"
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// busy is a service with 100 events and 20 stopped tasks, the size the
// engine must handle in well under a millisecond.
func busy() *aws.ServiceSnapshot {
	s := club()
	s.Stopped = nil
	s.Service.Events = nil
	for i := 0; i < 20; i++ {
		tk := stoppedTask()
		id := fmt.Sprintf("%032x", i+1)
		end := stopAt.Add(-time.Duration(i) * 3 * time.Minute)
		tk.TaskArn = ptr(arn(id))
		tk.StoppingAt, tk.StoppedAt = ptr(end.Add(-32*time.Second)), ptr(end)
		s.Stopped = append(s.Stopped, tk)
		s.Logs[arn(id)] = []aws.LogLine{{T: end.Add(-time.Minute), Message: "GET / 200"}, {T: end.Add(-30 * time.Second), Message: "GET / 200"}}
	}
	msgs := []string{
		"(service backend) has stopped 1 running tasks: (task %032x).",
		"(service backend) (port 4000) is unhealthy in (target-group " + tgArn + ") due to (reason Request timed out).",
		"(service backend) has started 1 tasks: (task %032x).",
		"(service backend) has reached a steady state.",
	}
	for i := 0; i < 100; i++ {
		m := msgs[i%len(msgs)]
		if i%4 == 0 || i%4 == 2 {
			m = fmt.Sprintf(m, 1000+i)
		}
		s.Service.Events = append(s.Service.Events, ecstypes.ServiceEvent{CreatedAt: ptr(stopAt.Add(-time.Duration(i) * 40 * time.Second)), Message: ptr(m)})
	}
	s.Metrics[aws.MetricServiceCPUMax] = flat("AWS/ECS", "CPUUtilization", now.Add(-3*time.Hour), 180, 99)
	s.Metrics[aws.MetricServiceMemMax] = flat("AWS/ECS", "MemoryUtilization", now.Add(-3*time.Hour), 180, 50)
	s.Metrics[aws.MetricLogEvents] = flat("AWS/Logs", "IncomingLogEvents", now.Add(-3*time.Hour), 180, 500)
	s.Metrics[aws.MetricRequests] = flat("AWS/ApplicationELB", "RequestCount", now.Add(-3*time.Hour), 180, 100)
	return s
}

func BenchmarkDiagnose(b *testing.B) {
	s := busy()
	opt := Options{Alias: "backend"}
	b.ReportAllocs()
	for b.Loop() {
		Diagnose(s, opt)
	}
}

func TestBusyService(t *testing.T) {
	t.Parallel()
	d := Diagnose(busy(), Options{Alias: "backend"})
	checkInvariants(t, d)
	if len(d.Stops) < 20 {
		t.Errorf("got %d stops, want the 20 tasks and the events' own", len(d.Stops))
	}
}
