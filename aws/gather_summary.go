package aws

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// A service's metric keys in one summary batch are "NAME\x00KEY".
const summaryKeySep = "\x00"

// GatherSummary reads a cluster and its services (all of them when services
// is empty) for the daily summary: ListServices, DescribeServices 10 per
// call, DescribeClusters, the container instances and the capacity
// providers, about ten ECS calls for 50 services, and every metric in
// batches of 500 queries per GetMetricData call.
func (c *Clients) GatherSummary(ctx context.Context, cluster string, services []string, since, until time.Time) (*ClusterSnapshot, error) {
	return c.gatherSummary(ctx, cluster, services, since, until, false)
}

// GatherSummaryStats is GatherSummary with each metric reduced to a
// SeriesStat as its points arrive (ServiceStats and Stats instead of
// ServiceMetrics and Metrics): the same calls, in memory that does not
// grow with the window, for the daily summary of a large cluster. A
// service's series are read as one point over the whole window (its
// Last is that point, not the latest minute); the cluster's keep their
// points, whose latest value the summary shows.
func (c *Clients) GatherSummaryStats(ctx context.Context, cluster string, services []string, since, until time.Time) (*ClusterSnapshot, error) {
	return c.gatherSummary(ctx, cluster, services, since, until, true)
}

func (c *Clients) gatherSummary(ctx context.Context, cluster string, services []string, since, until time.Time, stats bool) (*ClusterSnapshot, error) {
	if strings.TrimSpace(cluster) == "" {
		return nil, fmt.Errorf("a cluster name is needed for the summary")
	}
	cluster = clusterName(cluster)
	now := c.now()
	if until.IsZero() {
		until = now
	}
	if since.IsZero() {
		since = until.Add(-24 * time.Hour)
	}
	snap := &ClusterSnapshot{Now: now, Region: c.Region}
	if stats {
		snap.ServiceStats, snap.Stats = map[string]map[string]SeriesStat{}, map[string]SeriesStat{}
	} else {
		snap.ServiceMetrics, snap.Metrics = map[string]map[string]Series{}, map[string]Series{}
	}
	g := newGather(ctx)
	var (
		mu       sync.Mutex
		notFound error
	)
	setNotFound := func(err error) {
		mu.Lock()
		if notFound == nil {
			notFound = err
		}
		mu.Unlock()
		g.cancel()
	}

	g.do(func(ctx context.Context) {
		out, err := c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{
			Clusters: []string{cluster}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings},
		})
		if err != nil {
			g.core("cluster", err)
			return
		}
		if len(out.Clusters) == 0 || aws.ToString(out.Clusters[0].Status) == "INACTIVE" {
			setNotFound(c.clusterNotFound(ctx, cluster, nil))
			return
		}
		mu.Lock()
		snap.Cluster = out.Clusters[0]
		mu.Unlock()
	})
	g.do(func(ctx context.Context) {
		names := make([]string, 0, len(services))
		for _, s := range services {
			names = append(names, serviceName(s))
		}
		if len(names) == 0 {
			var err error
			if names, err = c.listServices(ctx, cluster); err != nil {
				if errCode(err) == "ClusterNotFoundException" {
					setNotFound(c.clusterNotFound(ctx, cluster, err))
					return
				}
				g.core("services", err)
				return
			}
		}
		// Names are all the metrics need, so they go out with the
		// descriptions rather than after them.
		qs := clusterMetricQueries(cluster)
		for _, n := range names {
			qs = append(qs, serviceMetricQueries(cluster, n, n+summaryKeySep)...)
		}
		g.do(func(ctx context.Context) {
			if stats {
				// Only the cluster's series keep their points (their
				// latest value is shown); a service's peak and mean come
				// as one point each: the same calls, a 1/180th of the
				// points to send, decode and hold at 1,000 services.
				cq := len(clusterMetricQueries(cluster))
				from := alignedStart(now, since)
				w := newMetricWindow(now, from, until, cq)
				whole := wholeWindow(now, w)
				for i := cq; i < len(qs); i++ {
					qs[i].Period = whole
				}
				got, err := c.getMetricStats(ctx, qs, w, from, until)
				if err != nil {
					g.soft("CloudWatch metrics", err)
				}
				mu.Lock()
				defer mu.Unlock()
				byService(got, snap.ServiceStats, snap.Stats)
				return
			}
			got, err := c.getMetrics(ctx, qs, newMetricWindow(now, since, until, len(qs)))
			if err != nil {
				g.soft("CloudWatch metrics", err)
			}
			mu.Lock()
			defer mu.Unlock()
			byService(got, snap.ServiceMetrics, snap.Metrics)
		})
		got := c.describeServices(ctx, g, cluster, names)
		mu.Lock()
		snap.Services = got
		mu.Unlock()
	})
	g.do(func(ctx context.Context) {
		var arns []string
		p := ecs.NewListContainerInstancesPaginator(c.ECS, &ecs.ListContainerInstancesInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(100)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				if !isNotFound(err) {
					g.soft("container instances", err)
				}
				return
			}
			arns = append(arns, page.ContainerInstanceArns...)
		}
		got := c.describeContainerInstances(ctx, cluster, arns, g)
		mu.Lock()
		snap.ContainerInstances = got
		mu.Unlock()
	})
	g.do(func(ctx context.Context) {
		got, err := c.allCapacityProviders(ctx)
		if err != nil {
			g.soft("capacity providers", err)
		}
		mu.Lock()
		snap.CapacityProviders = got
		mu.Unlock()
	})
	g.do(func(ctx context.Context) {
		got, err := c.allAutoScalingGroups(ctx)
		if err != nil {
			g.soft("EC2 Auto Scaling groups", err)
		}
		mu.Lock()
		snap.AutoScalingGroups = got
		mu.Unlock()
	})
	g.do(func(ctx context.Context) {
		got, err := c.allAutoScalingPolicies(ctx)
		if err != nil {
			g.soft("EC2 Auto Scaling policies", err)
		}
		mu.Lock()
		snap.AutoScalingPolicies = got
		mu.Unlock()
	})

	missing, err := g.wait()
	if notFound != nil {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if names := snap.Cluster.CapacityProviders; len(names) > 0 {
		var keep []ecstypes.CapacityProvider
		for _, cp := range snap.CapacityProviders {
			if contains(names, aws.ToString(cp.Name)) || contains(names, aws.ToString(cp.CapacityProviderArn)) {
				keep = append(keep, cp)
			}
		}
		snap.CapacityProviders = keep
	}
	snap.Missing = missing
	return snap, nil
}

// byService files a summary batch's results, keyed "NAME\x00KEY" for a
// service's and "KEY" for the cluster's, into perService and cluster.
func byService[T any](got map[string]T, perService map[string]map[string]T, cluster map[string]T) {
	for k, v := range got {
		if name, key, ok := strings.Cut(k, summaryKeySep); ok {
			if perService[name] == nil {
				perService[name] = map[string]T{}
			}
			perService[name][key] = v
		} else {
			cluster[k] = v
		}
	}
}

// listServices returns the names of a cluster's services, 100 per call.
func (c *Clients) listServices(ctx context.Context, cluster string) ([]string, error) {
	var names []string
	p := ecs.NewListServicesPaginator(c.ECS, &ecs.ListServicesInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return names, err
		}
		for _, arn := range page.ServiceArns {
			names = append(names, lastPart(arn))
		}
	}
	return names, nil
}

// describeServices describes services 10 per call (the API's limit),
// concurrently, keeping the order asked for. Services that do not exist
// are listed in Missing.
func (c *Clients) describeServices(ctx context.Context, g *gather, cluster string, names []string) []ecstypes.Service {
	parts := make([][]ecstypes.Service, (len(names)+9)/10)
	var wg sync.WaitGroup
	for i := range parts {
		batch := names[i*10 : min(i*10+10, len(names))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
			if err != nil {
				g.core("services "+strings.Join(batch, ", "), err)
				return
			}
			byName := map[string]ecstypes.Service{}
			for _, s := range out.Services {
				byName[aws.ToString(s.ServiceName)] = s
			}
			for _, n := range batch {
				if s, ok := byName[n]; ok && aws.ToString(s.Status) != "INACTIVE" {
					parts[i] = append(parts[i], s)
				} else {
					g.note(Missing{Code: MissingNotFound, Source: "service " + n, Detail: "not found in cluster " + cluster})
				}
			}
		}()
	}
	wg.Wait()
	var all []ecstypes.Service
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}
