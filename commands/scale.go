package commands

import (
	"github.com/ecsmedic/ecsmedic/commands/change"
)

func scaleCommand() command { return changeCommand("scale") }

// ScaleResource is what a scale changes.
type ScaleResource string

// The resources scale changes, named as the chat and the slash command's
// choices name them.
const (
	ScaleCPU    ScaleResource = "cpu"    // CPU units
	ScaleMemory ScaleResource = "memory" // MiB
	ScaleCount  ScaleResource = "count"  // desired tasks
)

// ScaleRequest asks to set a service's CPU, memory or task count.
type ScaleRequest struct {
	Service  string
	Resource ScaleResource
	Value    int
}

// Command is "scale".
func (ScaleRequest) Command() string   { return "scale" }
func (q ScaleRequest) service() string { return q.Service }

// scaleKinds are the engine's kinds of the resources; scaleWords the
// chat's words for them (after keyword).
var (
	scaleKinds = map[ScaleResource]string{ScaleCPU: change.KindScaleCPU, ScaleMemory: change.KindScaleMemory, ScaleCount: change.KindScaleCount}
	scaleWords = map[string]ScaleResource{"cpu": ScaleCPU, "vcpu": ScaleCPU, "memory": ScaleMemory, "count": ScaleCount}
)

func (q ScaleRequest) request(target ServiceRef) (change.Request, error) {
	return setValue(target, scaleKinds[q.Resource], q.Value, "usage.scale_what")
}

// setValue is the engine's request that sets one value of kind ("" for
// a setting it does not know, refused with the usage what).
func setValue(target ServiceRef, kind string, value int, what string) (change.Request, error) {
	switch {
	case kind == "":
		return change.Request{}, badArg(what)
	case value < 0:
		return change.Request{}, badNumber(value)
	}
	return change.Request{Kind: kind, Target: target, Value: value}, nil
}

// parseScale reads `SERVICE cpu UNITS | memory MIB | count N`.
func parseScale(args []string) (ChangeRequest, error) {
	svc, args, err := serviceArg("scale", args)
	q := ScaleRequest{Service: svc}
	if err != nil {
		return nil, err
	}
	if len(args) < 2 {
		return q, badArg("usage.scale_what")
	}
	var ok bool
	if q.Resource, ok = scaleWords[keyword(args[0])]; !ok {
		return q, badArg("usage.scale_what")
	}
	if q.Value, err = number(args[1]); err != nil {
		return q, err
	}
	if len(args) > 2 {
		return q, badArg("usage.unexpected", "Arg", clip(args[2], 40))
	}
	return q, nil
}
