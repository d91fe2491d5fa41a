package diagnose

import "github.com/ecsmedic/ecsmedic/aws"

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
	SourceInstances       = "ecs:ListContainerInstances"
)

// Missing codes: what evidence the diagnosis found it lacks, beside the
// gatherer's (aws.MissingAccessDenied, …). Renderers in other languages
// word them from the code; the entry's Detail is the English.
const (
	MissingNoData             aws.MissingCode = "no-data"
	MissingAgedOutEvents      aws.MissingCode = "stop-reconstructed-from-events"
	MissingAgedOutHistory     aws.MissingCode = "stop-from-history"
	MissingNoContainerInsight aws.MissingCode = "no-container-insights"
	MissingNoCPUMetrics       aws.MissingCode = "no-cpu-metrics"
	MissingNoMemMetrics       aws.MissingCode = "no-memory-metrics"
	MissingNoLogs             aws.MissingCode = "no-logs"
	MissingNoReason           aws.MissingCode = "no-stop-reason"
	MissingNoEvents           aws.MissingCode = "no-service-events"
	MissingTaskNotFound       aws.MissingCode = "task-not-found"
	MissingCountUnexplained   aws.MissingCode = "count-unexplained"
	MissingNoStopCode         aws.MissingCode = "no-stop-code"
	MissingNoExitCode         aws.MissingCode = "no-exit-code"
	MissingHostGone           aws.MissingCode = "host-gone"
)

var missingText = map[aws.MissingCode]string{
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
	MissingNoStopCode:         "ECS recorded no stop code (older agents and pasted output lack it); the cause was read from the stop reason's wording",
	MissingNoExitCode:         "ECS recorded no exit code for the container that stopped the task",
	MissingHostGone:           "the container instance the task ran on is no longer registered, so its state at the stop is unknown",
}

// miss records a missing piece once.
func (d *diag) miss(code aws.MissingCode) {
	if d.missing[code] {
		return
	}
	d.missing[code] = true
	d.out.Missing = append(d.out.Missing, aws.Missing{Code: code, Detail: missingText[code]})
}

// cite adds one evidence item.
func (d *diag) cite(e Evidence) {
	d.out.Evidence = append(d.out.Evidence, e)
}
