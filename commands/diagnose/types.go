// Package diagnose answers "why did this service's tasks stop?" from a
// gathered aws.ServiceSnapshot. It does no I/O. The vocabulary and the JSON
// form are public: docs/causes.md and docs/why-json.md describe them.
package diagnose

import (
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
)

// Cause codes: exactly one per diagnosed stop (docs/causes.md, "Causes").
const (
	CauseOOMKilled            = "oom-killed"
	CauseELBHealthCheck       = "elb-health-check"
	CauseContainerHealthCheck = "container-health-check"
	CauseAppCrash             = "app-crash"
	CauseAppExited            = "app-exited"
	CauseDeployment           = "deployment"
	CauseScaleIn              = "scale-in"
	CauseUserStopped          = "user-stopped"
	CauseHostTerminated       = "host-terminated"
	CauseSpotInterruption     = "spot-interruption"
	CauseAWSMaintenance       = "aws-maintenance"
	CauseImagePullFailed      = "image-pull-failed"
	CauseResourceInitFailed   = "resource-init-failed"
	CauseContainerStartFailed = "container-start-failed"
	CausePlacementFailed      = "placement-failed"
	CauseNoRecentStops        = "no-recent-stops"
	CauseUnknown              = "unknown"
)

// Contributing factor codes (docs/causes.md, "Contributing factors").
const (
	FactorCPUStarved        = "cpu-starved"
	FactorMemoryPressure    = "memory-pressure"
	FactorClusterCPUFull    = "cluster-cpu-full"
	FactorClusterMemoryFull = "cluster-memory-full"
	FactorScalingDisabled   = "scaling-disabled"
	FactorNoGracePeriod     = "no-grace-period"
	FactorTightHealthCheck  = "tight-health-check"
	FactorSigtermIgnored    = "sigterm-ignored"
	FactorCrashLoop         = "crash-loop"
	FactorCircuitBreaker    = "circuit-breaker"
	FactorLogFlood          = "log-flood"
)

// Confidence levels.
const (
	ConfidenceHigh   = "high"
	ConfidenceMedium = "medium"
	ConfidenceLow    = "low"
)

// Diagnosis is the answer, in the JSON shape docs/why-json.md describes.
// Fields may be added; none is removed or changes meaning.
type Diagnosis struct {
	Service  string     `json:"service"`
	Cluster  string     `json:"cluster"`
	Window   Window     `json:"window"`
	Verdict  Verdict    `json:"verdict"`
	Stops    []Stop     `json:"stops"`
	Evidence []Evidence `json:"evidence"`
	Remedies []Remedy   `json:"remedies"`

	// Missing is what evidence could not be had (aged-out tasks, no
	// Container Insights, reads denied …): the diagnosis's own findings,
	// then the gatherer's. The JSON carries it as "missing" (the English
	// lines) and "missingCodes" (their codes, index for index); see
	// MarshalJSON.
	Missing []aws.Missing `json:"-"`
	// Timeline is the short story around the stop, oldest first.
	Timeline []Event `json:"timeline,omitempty"`
	// LastLogs are the last log lines before the most recent stop.
	LastLogs []LogLine `json:"lastLogs,omitempty"`
	// Notes are plain-language explanations of common confusions, by code
	// ("host-cpu-not-task-cpu", "cpu-is-share-of-reservation").
	Notes []string `json:"notes,omitempty"`
	// Figures carries the numbers the renderers and remedies use.
	Figures Figures `json:"figures"`
}

// Window is the time range looked at.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Verdict is about the most recent stop, or the whole window when nothing
// stopped.
type Verdict struct {
	Cause        string   `json:"cause"`
	Contributing []string `json:"contributing"`
	Confidence   string   `json:"confidence"`
	Summary      string   `json:"summary"`
}

// Stop is one diagnosed stop, newest first in Diagnosis.Stops.
type Stop struct {
	TaskArn       string      `json:"taskArn"`
	StoppedAt     time.Time   `json:"stoppedAt"`
	StopCode      string      `json:"stopCode"`
	StoppedReason string      `json:"stoppedReason"`
	Containers    []Container `json:"containers"`
	Cause         string      `json:"cause"`
	// Source is "ecs" for a task DescribeTasks still returns, "events" for
	// one reconstructed from service events after AWS forgot it, "history"
	// for the bot's own stop history.
	Source string `json:"source,omitempty"`
}

// Container is one container of a stopped task. ExitCode is nil when ECS
// recorded none.
type Container struct {
	Name     string `json:"name"`
	ExitCode *int32 `json:"exitCode"`
	Reason   string `json:"reason"`
}

// Evidence backs a claim: where it came from, when, and the fact.
type Evidence struct {
	Source string    `json:"source"`
	At     time.Time `json:"at"`
	Fact   string    `json:"fact"`
}

// Remedy is one fix. Command is the chat command that carries it out, when
// ecsmedic can.
type Remedy struct {
	Action  string `json:"action"`
	Command string `json:"command,omitempty"`
	Why     string `json:"why"`
	// Resource is what the fix is about, as AWS named it (the secret a
	// task could not fetch); empty when the reason names none.
	Resource string `json:"resource,omitempty"`
}

// Event is one line of the timeline.
type Event struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // "metric", "event", "stop", "start", "deployment", "health"
	Text string    `json:"text"` // in English; a service event's is AWS's own
	// Say is ecsmedic's own Text as a message of commands/text with its
	// data, so a reply can word it in the reader's language; empty for
	// AWS's own words, which are quoted as they are.
	Say Say `json:"-"`
}

// Say is a message ID and its template data as name/value pairs.
type Say struct {
	ID   string
	Args []any
}

// LogLine is one log line.
type LogLine struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

// Figures are the measured numbers behind the verdict; zero when unknown
// (the Has* flags say which are known).
type Figures struct {
	CPUReservedUnits  int     `json:"cpuReservedUnits,omitempty"`  // task cpu units
	MemoryReservedMiB int     `json:"memoryReservedMiB,omitempty"` // task memory MiB
	PeakCPUPercent    float64 `json:"peakCpuPercent,omitempty"`    // of the reservation, before the stop
	PeakMemPercent    float64 `json:"peakMemPercent,omitempty"`
	ClusterCPURes     float64 `json:"clusterCpuReservation,omitempty"`
	ClusterMemRes     float64 `json:"clusterMemReservation,omitempty"`
	HostCPUPercent    float64 `json:"hostCpuPercent,omitempty"`
	StopSeconds       float64 `json:"stopSeconds,omitempty"` // stoppingAt → stoppedAt
	StopTimeout       int     `json:"stopTimeoutSeconds,omitempty"`
	TaskLivedSeconds  float64 `json:"taskLivedSeconds,omitempty"`
	GracePeriod       int     `json:"gracePeriodSeconds"`
	LinesPerRequest   float64 `json:"logLinesPerRequest,omitempty"`

	// The stop the verdict is about (zero/empty when nothing stopped).
	StoppedAt time.Time `json:"stoppedAt,omitzero"`
	Container string    `json:"container,omitempty"` // the container whose exit decided the cause
	ExitCode  *int32    `json:"exitCode,omitempty"`  // its exit code; nil when none recorded
	OOMReason bool      `json:"oomReason,omitempty"` // it carried an OutOfMemoryError reason

	// Placement is why ECS could not place a task, for placement-failed:
	// one of the Placement* codes.
	Placement string `json:"placement,omitempty"`

	DesiredCount int `json:"desiredCount"` // the service's, now
	RunningCount int `json:"runningCount"`

	CPUHighMinutes int  `json:"cpuHighMinutes,omitempty"` // minutes at or above 90 % before the stop
	CPUPerTask     bool `json:"cpuPerTask,omitempty"`     // the CPU figures are the task's (Container Insights), not the service's
	HasHostCPU     bool `json:"hasHostCpu,omitempty"`     // HostCPUPercent is known

	StartupSeconds      float64 `json:"startupSeconds,omitempty"` // start → stop of a task killed while starting
	HealthCheckTimeout  int     `json:"healthCheckTimeoutSeconds,omitempty"`
	HealthCheckInterval int     `json:"healthCheckIntervalSeconds,omitempty"`
	UnhealthyThreshold  int     `json:"unhealthyThreshold,omitempty"` // ELB count, or container retries

	SameCauseStops         int     `json:"sameCauseStops,omitempty"` // stops with the verdict's cause in the 30 minutes up to it
	LinesPerMinute         float64 `json:"logLinesPerMinute,omitempty"`
	BaselineLinesPerMinute float64 `json:"baselineLogLinesPerMinute,omitempty"`

	// What the remedies suggest (0 when they suggest nothing of the kind).
	SuggestedCPU          int `json:"suggestedCpuUnits,omitempty"`
	SuggestedMemoryMiB    int `json:"suggestedMemoryMiB,omitempty"`
	SuggestedGraceSeconds int `json:"suggestedGraceSeconds,omitempty"`
}
