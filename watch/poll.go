package watch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// knownWindow is how far back Poll looks in the store for tasks it has
// handled: longer than ECS keeps stopped tasks (about an hour).
const knownWindow = 6 * time.Hour

// Poll is one round of polling: one ListTasks (desiredStatus STOPPED) per
// service, side by side, then one DescribeTasks per 100 tasks that are not
// handled yet, and those stops handed to HandleStops.
func (w *Watcher) Poll(ctx context.Context) error {
	type listed struct {
		cluster string
		arns    []string
	}
	refs := w.cfg.Services
	out := make([]listed, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		cluster := ref.Cluster
		if cluster == "" {
			cluster = w.cfg.Cluster
		}
		wg.Go(func() {
			arns, err := w.listStopped(ctx, cluster, ref.Service)
			if err != nil {
				errs[i] = fmt.Errorf("listing the stopped tasks of %s: %w", ref.Name(), err)
				return
			}
			// The store keys stops by target/cluster (svcref.Ref.StoreCluster).
			fresh, err := w.unhandled(svcref.Ref{Target: ref.Target, Cluster: cluster}.StoreCluster(), ref.Service, arns)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = listed{cluster: cluster, arns: fresh}
		})
	}
	wg.Wait()

	byCluster := map[string][]string{}
	for _, l := range out {
		byCluster[l.cluster] = append(byCluster[l.cluster], l.arns...)
	}
	var tasks []ecstypes.Task
	for cluster, arns := range byCluster {
		sort.Strings(arns)
		for i := 0; i < len(arns); i += 100 {
			got, err := w.aws.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: awssdk.String(cluster), Tasks: arns[i:min(i+100, len(arns))]})
			if err != nil {
				errs = append(errs, fmt.Errorf("describing %d stopped tasks of cluster %s: %w", len(arns[i:min(i+100, len(arns))]), cluster, err))
				continue
			}
			tasks = append(tasks, got.Tasks...)
		}
	}
	for _, err := range w.HandleStops(ctx, tasks) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// listStopped is one ListTasks, with more pages only past 100 stopped tasks.
func (w *Watcher) listStopped(ctx context.Context, cluster, service string) ([]string, error) {
	var arns []string
	p := ecs.NewListTasksPaginator(w.aws.ECS, &ecs.ListTasksInput{
		Cluster: awssdk.String(cluster), ServiceName: awssdk.String(service),
		DesiredStatus: ecstypes.DesiredStatusStopped, MaxResults: awssdk.Int32(100),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return arns, err
		}
		arns = append(arns, page.TaskArns...)
	}
	return arns, nil
}

// unhandled keeps the tasks the store does not show as handled: never
// recorded, recorded without a cause (a crash in between), announceable
// but not claimed, or claimed here while the notifier failed.
func (w *Watcher) unhandled(cluster, service string, arns []string) ([]string, error) {
	if len(arns) == 0 {
		return nil, nil
	}
	recs, err := w.st.Stops(cluster, service, w.now().Add(-knownWindow))
	if err != nil {
		return nil, fmt.Errorf("reading the stop history of %s: %w", service, err)
	}
	byArn := make(map[string]store.StopRecord, len(recs))
	for _, r := range recs {
		byArn[r.TaskArn] = r
	}
	var out []string
	for _, a := range arns {
		r, ok := byArn[a]
		if !ok || !w.done(r) {
			out = append(out, a)
		}
	}
	return out, nil
}

// done reports whether a recorded stop needs nothing more.
func (w *Watcher) done(r store.StopRecord) bool {
	w.mu.Lock()
	owed := w.owed[r.TaskArn]
	w.mu.Unlock()
	switch {
	case owed:
		return false
	case r.Cause == "":
		return false
	case !r.AnnouncedAt.IsZero():
		return true
	default:
		return !w.announces(r.Cause, nil) || w.tooOld(r)
	}
}
