package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// historyWindow is how much of the store's history a diagnosis is given.
const historyWindow = 24 * time.Hour

// alertLogLines is how many log lines an alert's diagnosis reads per task.
const alertLogLines = 50

// HandleStops records, diagnoses and announces stopped tasks, whichever
// source found them: the result has one entry per task, nil when the task
// is handled (recorded, and announced if it should be) or is not one to
// handle (not stopped yet, of a service not configured). Stops of one
// service are handled together, one service at a time whatever the source,
// so that both sources on never announce a stop twice.
func (w *Watcher) HandleStops(ctx context.Context, tasks []ecstypes.Task) []error {
	errs := make([]error, len(tasks))
	groups := map[string][]int{}
	for i, t := range tasks {
		if deref(t.LastStatus) != "STOPPED" {
			continue // the next round sees it stopped, with its exit codes
		}
		cluster, service := lastPart(deref(t.ClusterArn)), strings.TrimPrefix(deref(t.Group), "service:")
		if _, ok := w.refs[key(cluster, service)]; !ok {
			continue
		}
		groups[key(cluster, service)] = append(groups[key(cluster, service)], i)
	}
	var wg sync.WaitGroup
	for k, idx := range groups {
		wg.Go(func() {
			batch := make([]ecstypes.Task, len(idx))
			for j, i := range idx {
				batch[j] = tasks[i]
			}
			for j, err := range w.handleService(ctx, w.refs[k], batch) {
				errs[idx[j]] = err
			}
		})
	}
	wg.Wait()
	return errs
}

// stopCase is one stop being handled.
type stopCase struct {
	task ecstypes.Task
	rec  store.StopRecord
	d    diagnose.Diagnosis
	err  error
}

func (w *Watcher) handleService(ctx context.Context, ref svcref.Ref, tasks []ecstypes.Task) []error {
	defer w.lock(ref.Cluster, ref.Service)()
	cases := make([]*stopCase, len(tasks))
	for i, t := range tasks {
		c := &stopCase{task: t, rec: rawRecord(ref, t)}
		if _, err := w.st.RecordStop(c.rec); err != nil {
			c.err = fmt.Errorf("recording the stop of task %s of %s: %w", shortID(c.rec.TaskArn), ref.Name(), err)
		}
		cases[i] = c
	}
	// Oldest first, so that a crash loop builds up in order.
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].rec.When().Before(cases[j].rec.When()) })

	now := w.now()
	recs, err := w.st.Stops(ref.StoreCluster(), ref.Service, now.Add(-historyWindow))
	if err != nil {
		slog.Warn("watch: no stop history for the diagnosis", "service", ref.Name(), "err", err)
	}
	snap := w.gather(ctx, ref, tasks)
	hist := diagnose.StopsFromRecords(recs)
	for _, c := range cases {
		if c.err != nil {
			continue
		}
		c.d = diagnose.Diagnose(snap, diagnose.Options{
			Alias: ref.Name(), Prefix: w.cfg.Prefix, Limits: w.cfg.Limits, History: hist, TaskID: lastPart(c.rec.TaskArn),
		})
		c.rec.Cause = c.d.Verdict.Cause
		stored := c.d
		stored.LastLogs = nil // log lines can hold personal data; the store keeps the verdict
		if b, err := json.Marshal(stored); err == nil {
			c.rec.Diagnosis = b
		}
		if _, err := w.st.RecordStop(c.rec); err != nil {
			c.err = fmt.Errorf("recording the cause of task %s of %s: %w", shortID(c.rec.TaskArn), ref.Name(), err)
		}
		for i := range recs {
			if recs[i].TaskArn == c.rec.TaskArn {
				recs[i].Cause = c.rec.Cause
			}
		}
	}
	w.announce(ctx, ref, snap, cases, recs)
	out := make([]error, len(tasks))
	for _, c := range cases {
		for i, t := range tasks {
			if deref(t.TaskArn) == c.rec.TaskArn {
				out[i] = c.err
			}
		}
	}
	return out
}

// gather reads the service for the diagnosis. When AWS cannot be read the
// stops are still explained from the tasks themselves, and the diagnosis
// says what is missing. Tasks ECS no longer returns (an old queue message)
// are added from what the source brought.
func (w *Watcher) gather(ctx context.Context, ref svcref.Ref, tasks []ecstypes.Task) *aws.ServiceSnapshot {
	snap, err := w.aws.GatherService(ctx, ref.Cluster, ref.Service, aws.GatherOptions{LogLines: alertLogLines, Container: ref.Container})
	if err != nil {
		slog.Warn("watch: could not read the service for the diagnosis; explaining the stop from the task alone", "service", ref.Name(), "err", err)
		snap = &aws.ServiceSnapshot{Now: w.now(), Region: w.aws.Region, Missing: []aws.Missing{{Code: aws.MissingReadFailed, Detail: "the service could not be read: " + err.Error()}}}
		snap.Service.ServiceName = &ref.Service
	}
	have := map[string]bool{}
	for _, t := range snap.Stopped {
		have[deref(t.TaskArn)] = true
	}
	for _, t := range tasks {
		if !have[deref(t.TaskArn)] {
			snap.Stopped = append(snap.Stopped, t)
		}
	}
	sort.SliceStable(snap.Stopped, func(i, j int) bool { return when(snap.Stopped[i]).After(when(snap.Stopped[j])) })
	return snap
}

// rawRecord is the stop as ECS reports it, before any diagnosis.
func rawRecord(ref svcref.Ref, t ecstypes.Task) store.StopRecord {
	r := store.StopRecord{
		TaskArn: deref(t.TaskArn), Cluster: ref.StoreCluster(), Service: ref.Service,
		StartedAt: derefTime(t.StartedAt), StoppingAt: derefTime(t.StoppingAt), StoppedAt: derefTime(t.StoppedAt),
		StopCode: string(t.StopCode), StoppedReason: deref(t.StoppedReason),
	}
	for _, c := range t.Containers {
		r.Containers = append(r.Containers, store.StopContainer{Name: deref(c.Name), ExitCode: c.ExitCode, Reason: deref(c.Reason)})
	}
	return r
}

func when(t ecstypes.Task) time.Time {
	if t.StoppedAt != nil {
		return *t.StoppedAt
	}
	return derefTime(t.StoppingAt)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func lastPart(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func shortID(arn string) string {
	id := lastPart(arn)
	if len(id) > 8 {
		id = id[:8]
	}
	return id
}
