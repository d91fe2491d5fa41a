package diagnose

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/store"
)

func TestStopsFromRecords(t *testing.T) {
	t0 := time.Date(2024, 4, 17, 4, 0, 0, 0, time.UTC)
	code := int32(1)
	got := StopsFromRecords([]store.StopRecord{
		{TaskArn: "a", StoppedAt: t0, Cause: "app-crash", Containers: []store.StopContainer{{Name: "app", ExitCode: &code}}},
		{TaskArn: "b", StoppingAt: t0.Add(time.Minute)},
		{TaskArn: "c", FirstSeen: t0.Add(-time.Minute)},
	})
	var order []string
	for _, s := range got {
		order = append(order, s.TaskArn+"@"+s.StoppedAt.Format("15:04")+":"+s.Source)
	}
	if d := cmp.Diff([]string{"b@04:01:history", "a@04:00:history", "c@03:59:history"}, order); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	if got[1].Containers[0].ExitCode == nil || *got[1].Containers[0].ExitCode != 1 {
		t.Errorf("exit code lost: %+v", got[1].Containers)
	}
}
