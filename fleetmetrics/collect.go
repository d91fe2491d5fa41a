package fleetmetrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The gauges' label sets.
var (
	clusterLabels = []string{"cluster"}
	serviceLabels = []string{"cluster", "service", "ecs_service"}
	taskLabels    = []string{"cluster", "service", "ecs_service", "task"}
)

// descs are the gauges Collect serves from the cache. Ratios are 0–1 shares
// of what the task reserved (Prometheus base units), not percent.
var (
	descCPU = prometheus.NewDesc("ecsmedic_service_cpu_reservation_ratio",
		"CPU the service's tasks use as a share of the CPU their task definition reserves (AWS/ECS CPUUtilization, Average; 1 = all of it). Near 1 the task is throttled.", serviceLabels, nil)
	descCPUPeak = prometheus.NewDesc("ecsmedic_service_cpu_reservation_peak_ratio",
		"As ecsmedic_service_cpu_reservation_ratio, the Maximum statistic: the busiest moment of the minute.", serviceLabels, nil)
	descMem = prometheus.NewDesc("ecsmedic_service_memory_reservation_ratio",
		"Memory the service's tasks use as a share of the memory their task definition reserves (AWS/ECS MemoryUtilization, Average). At 1 a hard limit kills the container (exit 137).", serviceLabels, nil)
	descMemPeak = prometheus.NewDesc("ecsmedic_service_memory_reservation_peak_ratio",
		"As ecsmedic_service_memory_reservation_ratio, the Maximum statistic.", serviceLabels, nil)
	descTaskCPU = prometheus.NewDesc("ecsmedic_task_cpu_reservation_ratio",
		"CPU one running task uses as a share of its reservation (ECS/ContainerInsights TaskCpuUtilization); only with Container Insights on.", taskLabels, nil)
	descTaskMem = prometheus.NewDesc("ecsmedic_task_memory_reservation_ratio",
		"Memory one running task uses as a share of its reservation (ECS/ContainerInsights TaskMemoryUtilization); only with Container Insights on.", taskLabels, nil)
	descRunning = prometheus.NewDesc("ecsmedic_service_running_tasks",
		"Tasks of the service in the RUNNING state (ECS runningCount).", serviceLabels, nil)
	descDesired = prometheus.NewDesc("ecsmedic_service_desired_tasks",
		"Tasks the service should run (ECS desiredCount).", serviceLabels, nil)
	descPending = prometheus.NewDesc("ecsmedic_service_pending_tasks",
		"Tasks of the service waiting to start (ECS pendingCount); tasks that stay pending often found no host with room.", serviceLabels, nil)
	descTargets = prometheus.NewDesc("ecsmedic_service_targets",
		"Targets registered in the service's load balancer target groups.", serviceLabels, nil)
	descUnhealthy = prometheus.NewDesc("ecsmedic_service_unhealthy_targets",
		"Targets of the service that fail the load balancer's health check; ECS replaces such tasks.", serviceLabels, nil)
	descClusterCPU = prometheus.NewDesc("ecsmedic_cluster_cpu_reservation_ratio",
		"Share of the cluster's registered CPU that tasks reserve (AWS/ECS CPUReservation). Near 1 a new or bigger task finds no room.", clusterLabels, nil)
	descClusterMem = prometheus.NewDesc("ecsmedic_cluster_memory_reservation_ratio",
		"Share of the cluster's registered memory that tasks reserve (AWS/ECS MemoryReservation).", clusterLabels, nil)
	descScalingOn = prometheus.NewDesc("ecsmedic_cluster_reservation_scaling_enabled",
		"1 when the cluster adds an EC2 host as its reservation fills (managed scaling, or an Auto Scaling policy on CPUReservation/MemoryReservation), else 0. EC2 clusters only.", clusterLabels, nil)
	descCanGrow = prometheus.NewDesc("ecsmedic_cluster_can_grow",
		"1 when the cluster can add an EC2 host: reservation scaling is on and its Auto Scaling group is below its maximum size; else 0. EC2 clusters only.", clusterLabels, nil)
	descRefreshed = prometheus.NewDesc("ecsmedic_fleet_last_refresh_timestamp_seconds",
		"When the cluster's gauges were last read from AWS (Unix time). Values older than a few refresh intervals are stale.", clusterLabels, nil)
)

// Describe sends the descriptions of every series Collect may send.
func (f *Fleet) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCPU, descCPUPeak, descMem, descMemPeak, descTaskCPU, descTaskMem,
		descRunning, descDesired, descPending, descTargets, descUnhealthy,
		descClusterCPU, descClusterMem, descScalingOn, descCanGrow, descRefreshed} {
		ch <- d
	}
	f.stops.Describe(ch)
	f.failures.Describe(ch)
}

// Collect sends the cached values: no AWS call, whatever the scrape rate.
func (f *Fleet) Collect(ch chan<- prometheus.Metric) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for cluster, c := range f.clusters {
		put(ch, descRefreshed, known(float64(c.refreshed.UnixNano())/1e9), cluster)
		put(ch, descClusterCPU, c.cpuRes, cluster)
		put(ch, descClusterMem, c.memRes, cluster)
		put(ch, descScalingOn, c.scalingOn, cluster)
		put(ch, descCanGrow, c.canGrow, cluster)
		for _, s := range c.services {
			labels := []string{cluster, s.alias, s.name}
			for _, g := range []struct {
				d *prometheus.Desc
				v gauge
			}{
				{descCPU, s.cpu}, {descCPUPeak, s.cpuPeak}, {descMem, s.mem}, {descMemPeak, s.memPeak},
				{descRunning, s.running}, {descDesired, s.desired}, {descPending, s.pending},
				{descTargets, s.targets}, {descUnhealthy, s.unhealthy},
			} {
				put(ch, g.d, g.v, labels...)
			}
			for _, t := range s.tasks {
				put(ch, descTaskCPU, t.cpu, cluster, s.alias, s.name, t.id)
				put(ch, descTaskMem, t.mem, cluster, s.alias, s.name, t.id)
			}
		}
	}
	f.stops.Collect(ch)
	f.failures.Collect(ch)
}

// put sends a known gauge; an unknown one is left out.
func put(ch chan<- prometheus.Metric, d *prometheus.Desc, g gauge, labels ...string) {
	if !g.ok {
		return
	}
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, g.v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err) // the scrape reports it; never a panic
	}
	ch <- m
}
