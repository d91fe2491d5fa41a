package aws

import (
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// ServiceSnapshot is everything the readers gather about one service for a
// diagnosis or a status: the input of commands/diagnose. Fields the account
// does not have (no load balancer, no Auto Scaling group) stay empty.
type ServiceSnapshot struct {
	Now    time.Time // the moment the data was read
	Region string

	Cluster        ecstypes.Cluster
	Service        ecstypes.Service
	TaskDefinition ecstypes.TaskDefinition // the service's current one
	// TaskDefinitions holds every revision a gathered task runs, by ARN,
	// the current one included.
	TaskDefinitions map[string]ecstypes.TaskDefinition
	// TaskDefinitionTags holds the tags of those revisions that have any,
	// by ARN, for CopyForRegister.
	TaskDefinitionTags map[string][]ecstypes.Tag

	Running []ecstypes.Task
	Stopped []ecstypes.Task // newest stop first

	ContainerInstances  []ecstypes.ContainerInstance
	CapacityProviders   []ecstypes.CapacityProvider
	AutoScalingGroups   []asgtypes.AutoScalingGroup
	AutoScalingPolicies []asgtypes.ScalingPolicy
	ScalableTargets     []astypes.ScalableTarget // the service's, if any
	ScalingPolicies     []astypes.ScalingPolicy  // the service's, if any
	TargetGroups        []TargetGroup            // the service's load balancers
	Metrics             map[string]Series        // by the Metric* keys below
	Logs                map[string][]LogLine     // by task ARN, oldest first
	Missing             []Missing                // what could not be read (access denied, …)
}

// TargetGroup is a target group with its targets' health.
type TargetGroup struct {
	Group  elbtypes.TargetGroup
	Health []elbtypes.TargetHealthDescription
}

// Series is one metric over the window, oldest point first.
type Series struct {
	Namespace  string
	MetricName string
	Dimensions map[string]string
	Stat       string // Average, Maximum, Sum, …
	Period     int    // seconds
	Points     []Sample
}

// Sample is one metric value.
type Sample struct {
	T time.Time
	V float64
}

// LogLine is one line from a task's awslogs stream.
type LogLine struct {
	T       time.Time
	Message string
}

// Keys of ServiceSnapshot.Metrics. Per-task Container Insights series are
// MetricTaskCPUPrefix+taskID and MetricTaskMemPrefix+taskID.
const (
	MetricServiceCPUAvg  = "service.cpu.avg" // AWS/ECS CPUUtilization, Average, % of reservation
	MetricServiceCPUMax  = "service.cpu.max" // … Maximum (the busiest task)
	MetricServiceMemAvg  = "service.mem.avg" // AWS/ECS MemoryUtilization, Average
	MetricServiceMemMax  = "service.mem.max" // … Maximum
	MetricClusterCPURes  = "cluster.cpu.reservation"
	MetricClusterMemRes  = "cluster.mem.reservation"
	MetricClusterCPUUtil = "cluster.cpu.utilization" // the hosts' CPU, for "host CPU is not task CPU"
	MetricLogEvents      = "logs.incoming"           // AWS/Logs IncomingLogEvents of the log group, Sum
	MetricRequests       = "alb.requests"            // AWS/ApplicationELB RequestCount of the target group, Sum
	MetricTaskCPUPrefix  = "task.cpu."               // ECS/ContainerInsights TaskCpuUtilization
	MetricTaskMemPrefix  = "task.mem."               // ECS/ContainerInsights TaskMemoryUtilization
)

// ClusterSnapshot is what the daily summary reads about a cluster and its
// services: no tasks, logs or target health, so that it stays a handful of
// calls however many services there are.
type ClusterSnapshot struct {
	Now    time.Time
	Region string

	Cluster             ecstypes.Cluster
	Services            []ecstypes.Service // in the order asked for, or listed
	ContainerInstances  []ecstypes.ContainerInstance
	CapacityProviders   []ecstypes.CapacityProvider // the cluster's
	AutoScalingGroups   []asgtypes.AutoScalingGroup
	AutoScalingPolicies []asgtypes.ScalingPolicy
	// ServiceMetrics holds each service's series by service name, then by
	// MetricServiceCPUAvg, MetricServiceCPUMax, MetricServiceMemAvg and
	// MetricServiceMemMax.
	ServiceMetrics map[string]map[string]Series
	// Metrics holds the cluster's series: MetricClusterCPURes,
	// MetricClusterMemRes and MetricClusterCPUUtil.
	Metrics map[string]Series
	// ServiceStats and Stats are ServiceMetrics and Metrics reduced to a
	// SeriesStat each, from GatherSummaryStats (which leaves those two
	// empty); GatherSummary leaves these empty.
	ServiceStats map[string]map[string]SeriesStat
	Stats        map[string]SeriesStat
	Missing      []Missing // what could not be read
}
