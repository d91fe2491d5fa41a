package aws_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func TestObserver(t *testing.T) {
	t.Parallel()
	w, err := world.Builtin("example")
	if err != nil {
		t.Fatal(err)
	}
	f, err := sim.ParseFault("DescribeClusters=accessdenied")
	if err != nil {
		t.Fatal(err)
	}
	srv := sim.New(w, sim.Options{Freeze: true, Faults: []sim.Fault{f}})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region, aws.WithMaxAttempts(1))
	t.Cleanup(func() { c.CloseIdleConnections(); _ = srv.Close() })

	type seen struct {
		Service, Operation string
		Failed             bool
	}
	var mu sync.Mutex
	var got []seen
	c.Observe(func(service, op string, _ time.Duration, err error) {
		mu.Lock()
		got = append(got, seen{service, op, err != nil})
		mu.Unlock()
	})
	ctx := context.Background()
	_, _ = c.ECS.ListClusters(ctx, &ecs.ListClustersInput{})
	_, _ = c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{})
	_, _ = c.AppAutoScaling.DescribeScalableTargets(ctx, &applicationautoscaling.DescribeScalableTargetsInput{ServiceNamespace: "ecs"})
	_, _ = c.ELB.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	c.Observe(nil)
	_, _ = c.ECS.ListClusters(ctx, &ecs.ListClustersInput{})
	want := []seen{{"ECS", "ListClusters", false}, {"ECS", "DescribeClusters", true},
		{"Application Auto Scaling", "DescribeScalableTargets", false}, {"Elastic Load Balancing v2", "DescribeTargetGroups", false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observed calls (-want +got):\n%s", diff)
	}
}
