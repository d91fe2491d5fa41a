package commands

import (
	"context"
	"sort"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// stoppedTasks reads the stopped tasks ECS still returns (about an hour's
// worth) for services of one cluster, when the bot has no store: one
// ListTasks per service, side by side, then one DescribeTasks per 100
// tasks. Each service's list is newest stop first.
func stoppedTasks(ctx context.Context, c *aws.Clients, cluster string, services []string) (map[string][]ecstypes.Task, error) {
	var (
		mu       sync.Mutex
		arns     []string
		firstErr error
		wg       sync.WaitGroup
	)
	for _, svc := range services {
		wg.Go(func() {
			out, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{
				Cluster: awssdk.String(cluster), ServiceName: awssdk.String(svc),
				DesiredStatus: ecstypes.DesiredStatusStopped, MaxResults: awssdk.Int32(100),
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			arns = append(arns, out.TaskArns...)
		})
	}
	wg.Wait()
	sort.Strings(arns)
	out := map[string][]ecstypes.Task{}
	for i := 0; i < len(arns); i += 100 {
		batch := arns[i:min(i+100, len(arns))]
		wg.Go(func() {
			got, err := c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: awssdk.String(cluster), Tasks: batch})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			for _, t := range got.Tasks {
				name := deref(t.Group)
				if len(name) > len("service:") && name[:len("service:")] == "service:" {
					name = name[len("service:"):]
				}
				out[name] = append(out[name], t)
			}
		})
	}
	wg.Wait()
	for _, ts := range out {
		sort.SliceStable(ts, func(i, j int) bool { return stopTime(ts[i]).After(stopTime(ts[j])) })
	}
	return out, firstErr
}

func stopTime(t ecstypes.Task) (at time.Time) {
	switch {
	case t.StoppedAt != nil:
		return *t.StoppedAt
	case t.StoppingAt != nil:
		return *t.StoppingAt
	}
	return at
}
