package diagnose

// Evidence sources: the API a fact was read from. "cloudwatch:NS/Metric"
// sources are built from the series (metricSource).
const (
	SourceTasks           = "ecs:DescribeTasks"
	SourceEvents          = "ecs:DescribeServices events"
	SourceServices        = "ecs:DescribeServices"
	SourceTaskDefinition  = "ecs:DescribeTaskDefinition"
	SourceCapacity        = "ecs:DescribeCapacityProviders"
	SourceASGPolicies     = "autoscaling:DescribePolicies"
	SourceScalableTargets = "application-autoscaling:DescribeScalableTargets"
	SourceTargetGroups    = "elbv2:DescribeTargetGroups"
	SourceTargetHealth    = "elbv2:DescribeTargetHealth"
	SourceLogs            = "logs:GetLogEvents"
	SourceHistory         = "ecsmedic:history"
)

// Missing codes: what evidence could not be had. Diagnosis.MissingCodes
// carries them for renderers in other languages; Diagnosis.Missing carries
// the English.
const (
	MissingNoData             = "no-data"
	MissingAgedOutEvents      = "stop-reconstructed-from-events"
	MissingAgedOutHistory     = "stop-from-history"
	MissingNoContainerInsight = "no-container-insights"
	MissingNoCPUMetrics       = "no-cpu-metrics"
	MissingNoMemMetrics       = "no-memory-metrics"
	MissingNoLogs             = "no-logs"
	MissingNoReason           = "no-stop-reason"
	MissingNoEvents           = "no-service-events"
	MissingTaskNotFound       = "task-not-found"
	MissingCountUnexplained   = "count-unexplained"
)

var missingText = map[string]string{
	MissingNoData:             "no data about the service was gathered",
	MissingAgedOutEvents:      "stopped tasks older than about an hour are no longer returned by ECS; this stop was reconstructed from service events",
	MissingAgedOutHistory:     "stopped tasks older than about an hour are no longer returned by ECS; this stop comes from ecsmedic's own stop history",
	MissingNoContainerInsight: "no Container Insights: CPU is the service's figure, not per task",
	MissingNoCPUMetrics:       "no CPU metrics for the minutes before the stop",
	MissingNoMemMetrics:       "no memory metrics for the minutes before the stop",
	MissingNoLogs:             "no log lines of the stopped task were found",
	MissingNoReason:           "ECS recorded no stoppedReason, and no service event names a cause",
	MissingNoEvents:           "the service has no events in the window",
	MissingTaskNotFound:       "the task asked about is not among the stopped tasks ECS returns, the service events or ecsmedic's history",
	MissingCountUnexplained:   "the service does not run its desired count, but no stop or placement failure in the window explains it",
}

// miss records a missing piece once, in code and in words.
func (d *diag) miss(code string) {
	if d.missing[code] {
		return
	}
	d.missing[code] = true
	d.out.MissingCodes = append(d.out.MissingCodes, code)
	d.out.Missing = append(d.out.Missing, missingText[code])
}

// cite adds one evidence item.
func (d *diag) cite(e Evidence) {
	d.out.Evidence = append(d.out.Evidence, e)
}
