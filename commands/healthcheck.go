package commands

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
)

func healthcheckCommand() command { return changeCommand("healthcheck") }

// HealthcheckSetting is which health check setting a healthcheck changes.
type HealthcheckSetting string

// The settings, named as the chat and the slash command's choices name them.
const (
	HealthcheckGrace     HealthcheckSetting = "grace"     // the service's grace period, seconds
	HealthcheckTimeout   HealthcheckSetting = "timeout"   // seconds
	HealthcheckInterval  HealthcheckSetting = "interval"  // seconds
	HealthcheckUnhealthy HealthcheckSetting = "unhealthy" // failures before a task is unhealthy
)

// HealthcheckRequest asks to set one of a service's health check settings.
type HealthcheckRequest struct {
	Service string
	Setting HealthcheckSetting
	Value   int
}

// Command is "healthcheck".
func (HealthcheckRequest) Command() string   { return "healthcheck" }
func (q HealthcheckRequest) service() string { return q.Service }

// healthcheckKinds are the engine's kinds of the settings;
// healthcheckWords the chat's words for them.
var (
	healthcheckKinds = map[HealthcheckSetting]string{
		HealthcheckGrace: change.KindGrace, HealthcheckTimeout: change.KindHCTimeout,
		HealthcheckInterval: change.KindHCInterval, HealthcheckUnhealthy: change.KindHCUnhealthy,
	}
	healthcheckWords = map[string]HealthcheckSetting{
		"grace": HealthcheckGrace, "grace-period": HealthcheckGrace, "timeout": HealthcheckTimeout,
		"interval": HealthcheckInterval, "unhealthy": HealthcheckUnhealthy, "unhealthy-threshold": HealthcheckUnhealthy,
	}
)

func (q HealthcheckRequest) request(target ServiceRef) (change.Request, error) {
	return setValue(target, healthcheckKinds[q.Setting], q.Value, "usage.healthcheck_what")
}

// parseHealthcheck reads `SERVICE grace|timeout|interval|unhealthy N`.
func parseHealthcheck(args []string) (ChangeRequest, error) {
	svc, args, err := serviceArg("healthcheck", args)
	q := HealthcheckRequest{Service: svc}
	if err != nil {
		return nil, err
	}
	var ok bool
	if len(args) != 2 {
		return q, badArg("usage.healthcheck_what")
	}
	if q.Setting, ok = healthcheckWords[strings.ToLower(args[0])]; !ok {
		return q, badArg("usage.healthcheck_what")
	}
	q.Value, err = number(args[1])
	return q, err
}
