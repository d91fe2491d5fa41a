package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// GatherOptions narrow a service gather.
type GatherOptions struct {
	// Since and Until bound the metrics. Zero means the hour before now,
	// widened back to 15 minutes before the newest stop.
	Since, Until time.Time
	// LogLines is how many lines to read per task; default 50.
	LogLines int
	// Container is whose logs to read; default the container that stopped
	// the task, else the first essential one with awslogs.
	Container string
}

// How much the service gather reads.
const (
	defaultLogLines  = 50
	logStoppedTasks  = 3  // newest stopped tasks whose logs are read
	maxInsightsTasks = 50 // tasks with Container Insights series
	stopLeadIn       = 15 * time.Minute
)

// GatherService reads everything a diagnosis or a status needs about one
// service, in three rounds of concurrent calls (four only when a stopped
// task ran a revision that no deployment names and that logs elsewhere than
// the current one). A missing cluster or service fails
// with the closest names; a read denied by IAM or of an optional resource
// that does not exist is listed in Missing instead.
func (c *Clients) GatherService(ctx context.Context, cluster, service string, opt GatherOptions) (*ServiceSnapshot, error) {
	if strings.TrimSpace(cluster) == "" || strings.TrimSpace(service) == "" {
		return nil, fmt.Errorf("both a cluster and a service name are needed (got cluster %q, service %q)", cluster, service)
	}
	if opt.LogLines <= 0 {
		opt.LogLines = defaultLogLines
	}
	now := c.now()
	until := opt.Until
	if until.IsZero() {
		until = now
	}
	since := opt.Since
	if since.IsZero() {
		since = until.Add(-time.Hour)
	}
	sg := &serviceGather{
		c: c, g: newGather(ctx), opt: opt,
		cluster: clusterName(cluster), service: serviceName(service),
		since: since, until: until,
		snap: &ServiceSnapshot{
			Now: now, Region: c.Region,
			TaskDefinitions:    map[string]ecstypes.TaskDefinition{},
			TaskDefinitionTags: map[string][]ecstypes.Tag{},
			Metrics:            map[string]Series{},
			Logs:               map[string][]LogLine{},
		},
		tdDone: map[string]done{},
	}
	sg.run()
	missing, err := sg.g.wait()
	if sg.notFound != nil {
		return nil, sg.notFound
	}
	if err != nil {
		return nil, err
	}
	sg.finish()
	sg.snap.Missing = missing
	return sg.snap, nil
}

type serviceGather struct {
	c                *Clients
	g                *gather
	opt              GatherOptions
	cluster, service string
	since, until     time.Time

	mu       sync.Mutex // guards snap, tdDone and notFound
	snap     *ServiceSnapshot
	tdDone   map[string]done // task definitions asked for, by ARN
	notFound error

	svcDone, clusterDone, tasksDone, tgDone done
	tgOnce                                  sync.Once
}

func (sg *serviceGather) run() {
	sg.svcDone, sg.clusterDone, sg.tasksDone, sg.tgDone = make(done), make(done), make(done), make(done)
	g := sg.g

	// Round 1: everything that needs only the names.
	g.do(sg.describeService)
	g.do(sg.describeCluster)
	running, stopped := make(done), make(done)
	g.do(func(ctx context.Context) { sg.tasks(ctx, ecstypes.DesiredStatusRunning, running) })
	g.do(func(ctx context.Context) { sg.tasks(ctx, ecstypes.DesiredStatusStopped, stopped) })
	g.do(func(context.Context) { waitAll(running, stopped); sg.tasksDone.close() })
	g.do(sg.containerInstances)
	g.do(sg.capacityProviders)
	g.do(sg.scalableTargets)
	g.do(sg.scalingPolicies)
	g.do(sg.autoScalingGroups)
	g.do(sg.autoScalingPolicies)
	// The window is fixed here, before round 3 may widen sg.since.
	base, baseWin := sg.baseQueries(), newMetricWindow(sg.snap.Now, sg.since, sg.until, 7)
	g.do(func(ctx context.Context) { sg.metrics(ctx, base, baseWin, false) })

	// Round 3: what needs the tasks, the task definition and the target
	// groups. Round 2 reads start from within the round-1 readers.
	g.do(func(ctx context.Context) {
		waitAll(sg.svcDone, sg.clusterDone, sg.tasksDone, sg.tgDone)
		sg.mu.Lock()
		current := sg.tdDone[aws.ToString(sg.snap.Service.TaskDefinition)]
		sg.mu.Unlock()
		if current != nil {
			<-current
		}
		if ctx.Err() != nil {
			return // a missing service or a failed core read ends the gather
		}
		sg.round3(ctx)
	})
}

// describeService reads the service, then starts its task definitions and
// target groups.
func (sg *serviceGather) describeService(ctx context.Context) {
	defer sg.svcDone.close()
	started := false // whether targetGroups will close tgDone
	defer func() {
		if !started {
			sg.closeTG()
		}
	}()
	out, err := sg.c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: aws.String(sg.cluster), Services: []string{sg.service},
	})
	if err != nil {
		if errCode(err) == "ClusterNotFoundException" {
			sg.setNotFound(sg.clusterNotFound(ctx, err))
			return
		}
		sg.g.fail(err)
		return
	}
	var svc *ecstypes.Service
	for i := range out.Services {
		if s := &out.Services[i]; aws.ToString(s.ServiceName) == sg.service || aws.ToString(s.ServiceArn) == sg.service {
			svc = s
		}
	}
	if svc == nil || aws.ToString(svc.Status) == "INACTIVE" {
		why := ""
		if svc != nil {
			why = "it was deleted"
		}
		sg.setNotFound(sg.serviceNotFound(ctx, why))
		return
	}
	sg.mu.Lock()
	sg.snap.Service = *svc
	sg.mu.Unlock()

	// Round 2: the current revision and those of the other deployments,
	// so that a stopped task of a rollout usually needs no extra round.
	sg.taskDefinition(aws.ToString(svc.TaskDefinition), true)
	for _, d := range svc.Deployments {
		sg.taskDefinition(aws.ToString(d.TaskDefinition), false)
	}
	var tgs []string
	for _, lb := range svc.LoadBalancers {
		if arn := aws.ToString(lb.TargetGroupArn); arn != "" && !contains(tgs, arn) {
			tgs = append(tgs, arn)
		}
	}
	if len(tgs) > 0 {
		started = true
		sg.g.do(func(ctx context.Context) { sg.targetGroups(ctx, tgs) })
	}
}

func (sg *serviceGather) setNotFound(err error) {
	sg.mu.Lock()
	if sg.notFound == nil {
		sg.notFound = err
	}
	sg.mu.Unlock()
	sg.g.cancel()
}

func (sg *serviceGather) closeTG() { sg.tgOnce.Do(sg.tgDone.close) }

func (sg *serviceGather) describeCluster(ctx context.Context) {
	defer sg.clusterDone.close()
	out, err := sg.c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{sg.cluster}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings},
	})
	if err != nil {
		sg.g.core("cluster", err)
		return
	}
	if len(out.Clusters) == 0 || aws.ToString(out.Clusters[0].Status) == "INACTIVE" {
		sg.setNotFound(sg.clusterNotFound(ctx, nil))
		return
	}
	sg.mu.Lock()
	sg.snap.Cluster = out.Clusters[0]
	sg.mu.Unlock()
}

// tasks lists the service's tasks with one desired status and describes
// them, 100 per call.
func (sg *serviceGather) tasks(ctx context.Context, status ecstypes.DesiredStatus, d done) {
	defer d.close()
	what := strings.ToLower(string(status)) + " tasks"
	var arns []string
	p := ecs.NewListTasksPaginator(sg.c.ECS, &ecs.ListTasksInput{
		Cluster: aws.String(sg.cluster), ServiceName: aws.String(sg.service), DesiredStatus: status, MaxResults: aws.Int32(100),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if isNotFound(err) {
				return // the service gather reports a missing cluster or service
			}
			sg.g.core(what, err)
			return
		}
		arns = append(arns, page.TaskArns...)
	}
	var wg sync.WaitGroup
	for start := 0; start < len(arns); start += 100 {
		batch := arns[start:min(start+100, len(arns))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := sg.c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(sg.cluster), Tasks: batch})
			if err != nil {
				sg.g.core(what, err)
				return
			}
			sg.mu.Lock()
			defer sg.mu.Unlock()
			if status == ecstypes.DesiredStatusStopped {
				sg.snap.Stopped = append(sg.snap.Stopped, out.Tasks...)
			} else {
				sg.snap.Running = append(sg.snap.Running, out.Tasks...)
			}
		}()
	}
	wg.Wait()
}

// taskDefinition starts reading one revision unless it is already asked
// for. Only the current one is a core read.
func (sg *serviceGather) taskDefinition(arn string, current bool) done {
	if arn == "" {
		return nil
	}
	sg.mu.Lock()
	if d, ok := sg.tdDone[arn]; ok {
		sg.mu.Unlock()
		return d
	}
	d := make(done)
	sg.tdDone[arn] = d
	sg.mu.Unlock()
	sg.g.do(func(ctx context.Context) {
		defer d.close()
		out, err := sg.c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(arn), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags},
		})
		what := "task definition " + lastPart(arn)
		if err != nil {
			if current {
				sg.g.core(what, err)
			} else {
				sg.g.soft(what, err)
			}
			return
		}
		if out.TaskDefinition == nil {
			return
		}
		sg.mu.Lock()
		defer sg.mu.Unlock()
		sg.snap.TaskDefinitions[arn] = *out.TaskDefinition
		if len(out.Tags) > 0 {
			sg.snap.TaskDefinitionTags[arn] = out.Tags
		}
		if current {
			sg.snap.TaskDefinition = *out.TaskDefinition
		}
	})
	return d
}

func (sg *serviceGather) targetGroups(ctx context.Context, arns []string) {
	health := make([][]elbtypes.TargetHealthDescription, len(arns))
	var wg sync.WaitGroup
	for i, arn := range arns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := sg.c.ELB.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
			if err != nil {
				sg.g.soft("target health of "+targetGroupName(arn), err)
				return
			}
			health[i] = out.TargetHealthDescriptions
		}()
	}
	defer func() {
		wg.Wait()
		sg.mu.Lock()
		for i := range sg.snap.TargetGroups {
			for j, arn := range arns {
				if aws.ToString(sg.snap.TargetGroups[i].Group.TargetGroupArn) == arn {
					sg.snap.TargetGroups[i].Health = health[j]
				}
			}
		}
		sg.mu.Unlock()
	}()
	defer sg.closeTG() // round 3 needs the groups, not their health
	out, err := sg.c.ELB.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: arns})
	if err != nil {
		sg.g.soft("target groups", err)
		return
	}
	sg.mu.Lock()
	defer sg.mu.Unlock()
	for _, arn := range arns { // in the service's order
		for _, tg := range out.TargetGroups {
			if aws.ToString(tg.TargetGroupArn) == arn {
				sg.snap.TargetGroups = append(sg.snap.TargetGroups, TargetGroup{Group: tg})
			}
		}
	}
}

func (sg *serviceGather) containerInstances(ctx context.Context) {
	var arns []string
	p := ecs.NewListContainerInstancesPaginator(sg.c.ECS, &ecs.ListContainerInstancesInput{Cluster: aws.String(sg.cluster), MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if !isNotFound(err) {
				sg.g.soft("container instances", err)
			}
			return
		}
		arns = append(arns, page.ContainerInstanceArns...)
	}
	got := sg.c.describeContainerInstances(ctx, sg.cluster, arns, sg.g)
	sg.mu.Lock()
	sg.snap.ContainerInstances = got
	sg.mu.Unlock()
}

// describeContainerInstances describes instances 100 per call,
// concurrently, keeping the listed order.
func (c *Clients) describeContainerInstances(ctx context.Context, cluster string, arns []string, g *gather) []ecstypes.ContainerInstance {
	parts := make([][]ecstypes.ContainerInstance, (len(arns)+99)/100)
	var wg sync.WaitGroup
	for i := range parts {
		batch := arns[i*100 : min(i*100+100, len(arns))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.ECS.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{Cluster: aws.String(cluster), ContainerInstances: batch})
			if err != nil {
				g.soft("container instances", err)
				return
			}
			parts[i] = out.ContainerInstances
		}()
	}
	wg.Wait()
	var all []ecstypes.ContainerInstance
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func (sg *serviceGather) capacityProviders(ctx context.Context) {
	got, err := sg.c.allCapacityProviders(ctx)
	if err != nil {
		sg.g.soft("capacity providers", err)
	}
	sg.mu.Lock()
	sg.snap.CapacityProviders = got
	sg.mu.Unlock()
}

func (c *Clients) allCapacityProviders(ctx context.Context) ([]ecstypes.CapacityProvider, error) {
	var all []ecstypes.CapacityProvider
	in := &ecs.DescribeCapacityProvidersInput{}
	for range 50 {
		out, err := c.ECS.DescribeCapacityProviders(ctx, in)
		if err != nil {
			return all, err
		}
		all = append(all, out.CapacityProviders...)
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return all, nil
}

func (sg *serviceGather) scalableTargets(ctx context.Context) {
	var all []astypes.ScalableTarget
	p := applicationautoscaling.NewDescribeScalableTargetsPaginator(sg.c.AppAutoScaling, &applicationautoscaling.DescribeScalableTargetsInput{
		ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceIds: []string{scalingResourceID(sg.cluster, sg.service)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			sg.g.soft("service auto scaling", err)
			break
		}
		all = append(all, page.ScalableTargets...)
	}
	sg.mu.Lock()
	sg.snap.ScalableTargets = all
	sg.mu.Unlock()
}

func (sg *serviceGather) scalingPolicies(ctx context.Context) {
	var all []astypes.ScalingPolicy
	p := applicationautoscaling.NewDescribeScalingPoliciesPaginator(sg.c.AppAutoScaling, &applicationautoscaling.DescribeScalingPoliciesInput{
		ServiceNamespace: astypes.ServiceNamespaceEcs, ResourceId: aws.String(scalingResourceID(sg.cluster, sg.service)),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			sg.g.soft("service auto scaling policies", err)
			break
		}
		all = append(all, page.ScalingPolicies...)
	}
	sg.mu.Lock()
	sg.snap.ScalingPolicies = all
	sg.mu.Unlock()
}

func (sg *serviceGather) autoScalingGroups(ctx context.Context) {
	got, err := sg.c.allAutoScalingGroups(ctx)
	if err != nil {
		sg.g.soft("EC2 Auto Scaling groups", err)
	}
	sg.mu.Lock()
	sg.snap.AutoScalingGroups = got
	sg.mu.Unlock()
}

func (sg *serviceGather) autoScalingPolicies(ctx context.Context) {
	got, err := sg.c.allAutoScalingPolicies(ctx)
	if err != nil {
		sg.g.soft("EC2 Auto Scaling policies", err)
	}
	sg.mu.Lock()
	sg.snap.AutoScalingPolicies = got
	sg.mu.Unlock()
}

// allAutoScalingGroups reads every group of the account: small accounts
// have a few, and the cluster's are not known by name up front.
func (c *Clients) allAutoScalingGroups(ctx context.Context) ([]asgtypes.AutoScalingGroup, error) {
	var all []asgtypes.AutoScalingGroup
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.AutoScaling, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return all, err
		}
		all = append(all, page.AutoScalingGroups...)
	}
	return all, nil
}

func (c *Clients) allAutoScalingPolicies(ctx context.Context) ([]asgtypes.ScalingPolicy, error) {
	var all []asgtypes.ScalingPolicy
	p := autoscaling.NewDescribePoliciesPaginator(c.AutoScaling, &autoscaling.DescribePoliciesInput{MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return all, err
		}
		all = append(all, page.ScalingPolicies...)
	}
	return all, nil
}

// metrics reads a batch of series into the snapshot; a failure leaves them
// out and says so. The round-1 read does not overwrite, so that a widened
// round-3 read of the same series wins whichever answers first.
func (sg *serviceGather) metrics(ctx context.Context, qs []metricQuery, w metricWindow, overwrite bool) {
	got, err := sg.c.getMetrics(ctx, qs, w)
	if err != nil {
		sg.g.soft("CloudWatch metrics", err)
	}
	sg.mu.Lock()
	defer sg.mu.Unlock()
	for k, s := range got {
		if _, seen := sg.snap.Metrics[k]; overwrite || !seen {
			sg.snap.Metrics[k] = s
		}
	}
}

func (sg *serviceGather) baseQueries() []metricQuery {
	return append(serviceMetricQueries(sg.cluster, sg.service, ""), clusterMetricQueries(sg.cluster)...)
}

// round3 reads the logs of the newest tasks and, in one GetMetricData
// call, the series that need the tasks, the task definition and the target
// groups. A stopped task of a revision not read yet has its logs read by
// the current revision's settings while its own is read (see guessedLogs).
func (sg *serviceGather) round3(ctx context.Context) {
	sg.mu.Lock()
	sortTasks(sg.snap.Stopped, stopTime)
	sortTasks(sg.snap.Running, startTime)
	var logTasks []ecstypes.Task
	logTasks = append(logTasks, sg.snap.Stopped[:min(logStoppedTasks, len(sg.snap.Stopped))]...)
	if len(sg.snap.Running) > 0 {
		logTasks = append(logTasks, sg.snap.Running[0])
	}
	qs, w := sg.round3Queries()
	sg.mu.Unlock()

	sg.g.do(func(ctx context.Context) { sg.metrics(ctx, qs, w, true) })
	for _, t := range logTasks {
		arn := aws.ToString(t.TaskDefinitionArn)
		sg.mu.Lock()
		_, asked := sg.tdDone[arn]
		current := sg.snap.TaskDefinition
		sg.mu.Unlock()
		d := sg.taskDefinition(arn, false)
		sg.g.do(func(ctx context.Context) {
			if !asked {
				// A revision no deployment names is read only now: read the
				// logs where the current revision writes them meanwhile, so
				// that they need no fourth round unless it logs elsewhere.
				sg.guessedLogs(ctx, t, current, d)
				return
			}
			if d != nil {
				<-d
			}
			if td, ok := sg.readTaskDefinition(arn); ok {
				sg.taskLogs(ctx, t, td)
			} // else its absence is already in Missing
		})
	}
	// The other revisions the stopped and running tasks ran, for the record.
	for _, t := range append(append([]ecstypes.Task(nil), sg.snap.Stopped...), sg.snap.Running...) {
		sg.taskDefinition(aws.ToString(t.TaskDefinitionArn), false)
	}
}

// guessedLogs reads a task's logs by the current revision's awslogs
// settings while its own revision d is read, and keeps them when that
// revision writes to the same stream; else it reads them again.
func (sg *serviceGather) guessedLogs(ctx context.Context, t ecstypes.Task, current ecstypes.TaskDefinition, d done) {
	guess, ok := logTarget(current, &t, sg.opt.Container)
	ok = ok && guess.Prefix != "" && (guess.Region == "" || sg.c.Region == "" || guess.Region == sg.c.Region)
	var lines []LogLine
	var err error
	if ok {
		lines, err = sg.c.streamTail(ctx, guess.Group, logStreamName(guess.Prefix, guess.Container, aws.ToString(t.TaskArn)), sg.opt.LogLines)
	}
	if d != nil {
		<-d
	}
	td, found := sg.readTaskDefinition(aws.ToString(t.TaskDefinitionArn))
	if !found {
		return // its absence is already in Missing
	}
	if real, _ := logTarget(td, &t, sg.opt.Container); !ok || real != guess {
		sg.taskLogs(ctx, t, td)
		return
	}
	if err != nil {
		sg.g.soft("logs of task "+taskID(aws.ToString(t.TaskArn)), err)
		return
	}
	sg.mu.Lock()
	sg.snap.Logs[aws.ToString(t.TaskArn)] = lines
	sg.mu.Unlock()
}

// readTaskDefinition is a revision the gather has read, by ARN.
func (sg *serviceGather) readTaskDefinition(arn string) (ecstypes.TaskDefinition, bool) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	td, ok := sg.snap.TaskDefinitions[arn]
	return td, ok
}

// round3Queries builds the round-3 metric batch; call with sg.mu held.
func (sg *serviceGather) round3Queries() ([]metricQuery, metricWindow) {
	var qs []metricQuery
	since := sg.since
	if sg.opt.Since.IsZero() && len(sg.snap.Stopped) > 0 {
		if t := stopTime(sg.snap.Stopped[0]); !t.IsZero() && t.Add(-stopLeadIn).Before(since) {
			// The newest stop is older than the window: widen it and read
			// the service and cluster series again over it.
			since = t.Add(-stopLeadIn)
			qs = append(qs, sg.baseQueries()...)
		}
	}
	if insightsOn(sg.snap.Cluster) {
		n := 0
		for _, t := range append(append([]ecstypes.Task(nil), sg.snap.Running...), sg.snap.Stopped...) {
			if n == maxInsightsTasks {
				break
			}
			n++
			id := taskID(aws.ToString(t.TaskArn))
			dims := map[string]string{"ClusterName": sg.cluster, "ServiceName": sg.service, "TaskId": id}
			qs = append(qs,
				metricQuery{Key: MetricTaskCPUPrefix + id, Namespace: "ECS/ContainerInsights", MetricName: "TaskCpuUtilization", Dimensions: dims, Stat: "Average"},
				metricQuery{Key: MetricTaskMemPrefix + id, Namespace: "ECS/ContainerInsights", MetricName: "TaskMemoryUtilization", Dimensions: dims, Stat: "Average"})
		}
	}
	if group := logGroup(sg.snap.TaskDefinition, sg.opt.Container); group != "" {
		qs = append(qs, metricQuery{Key: MetricLogEvents, Namespace: "AWS/Logs", MetricName: "IncomingLogEvents",
			Dimensions: map[string]string{"LogGroupName": group}, Stat: "Sum"})
	}
	for i, tg := range sg.snap.TargetGroups {
		if len(tg.Group.LoadBalancerArns) == 0 {
			continue
		}
		key := MetricRequests
		if i > 0 {
			key += "." + aws.ToString(tg.Group.TargetGroupName)
		}
		qs = append(qs, metricQuery{Key: key, Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Stat: "Sum",
			Dimensions: map[string]string{
				"TargetGroup":  targetGroupDimension(aws.ToString(tg.Group.TargetGroupArn)),
				"LoadBalancer": loadBalancerDimension(tg.Group.LoadBalancerArns[0]),
			}})
	}
	sg.since = since
	return qs, newMetricWindow(sg.snap.Now, since, sg.until, len(qs))
}

// finish puts the snapshot in its documented order.
func (sg *serviceGather) finish() {
	s := sg.snap
	sortTasks(s.Stopped, stopTime)
	sortTasks(s.Running, startTime)
	if names := s.Cluster.CapacityProviders; len(names) > 0 {
		var keep []ecstypes.CapacityProvider
		for _, cp := range s.CapacityProviders {
			if contains(names, aws.ToString(cp.Name)) || contains(names, aws.ToString(cp.CapacityProviderArn)) {
				keep = append(keep, cp)
			}
		}
		s.CapacityProviders = keep
	}
}

func insightsOn(c ecstypes.Cluster) bool {
	for _, s := range c.Settings {
		if s.Name == ecstypes.ClusterSettingNameContainerInsights {
			v := strings.ToLower(aws.ToString(s.Value))
			return v == "enabled" || v == "enhanced"
		}
	}
	return false
}

// stopTime is when a task stopped, or began stopping, or was created.
func stopTime(t ecstypes.Task) time.Time {
	for _, p := range []*time.Time{t.StoppedAt, t.StoppingAt, t.ExecutionStoppedAt, t.CreatedAt} {
		if p != nil {
			return *p
		}
	}
	return time.Time{}
}

func startTime(t ecstypes.Task) time.Time {
	for _, p := range []*time.Time{t.StartedAt, t.CreatedAt} {
		if p != nil {
			return *p
		}
	}
	return time.Time{}
}

// sortTasks orders newest first by at, then by ARN for a stable order.
func sortTasks(ts []ecstypes.Task, at func(ecstypes.Task) time.Time) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := at(ts[i]), at(ts[j])
		if !a.Equal(b) {
			return a.After(b)
		}
		return aws.ToString(ts[i].TaskArn) < aws.ToString(ts[j].TaskArn)
	})
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
