package commands

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
)

func autoscaleCommand() command { return changeCommand("autoscale") }

// AutoscaleRequest asks to turn a service's target-tracking auto scaling
// on (between Min and Max tasks, at CPUPercent) or off (the numbers zero).
type AutoscaleRequest struct {
	Service    string
	On         bool
	Min, Max   int
	CPUPercent int
}

// ErrAutoscaleArgs is the usage error of an `autoscale … on` without its
// min, max and cpu, for a front-end whose options may be left out.
var ErrAutoscaleArgs = badArg("usage.autoscale_args")

// Command is "autoscale".
func (AutoscaleRequest) Command() string   { return "autoscale" }
func (q AutoscaleRequest) service() string { return q.Service }

func (q AutoscaleRequest) request(target ServiceRef) (change.Request, error) {
	if !q.On {
		// Off takes no numbers, as `autoscale SERVICE off min 1` is refused.
		for _, f := range []struct {
			word string
			n    int
		}{{"min", q.Min}, {"max", q.Max}, {"cpu", q.CPUPercent}} {
			if f.n != 0 {
				return change.Request{}, badArg("usage.unexpected", "Arg", f.word)
			}
		}
		return change.Request{Kind: change.KindAutoscaleOff, Target: target}, nil
	}
	for _, n := range []int{q.Min, q.Max, q.CPUPercent} {
		if n < 0 {
			return change.Request{}, badNumber(n)
		}
	}
	return change.Request{Kind: change.KindAutoscaleOn, Target: target, Min: q.Min, Max: q.Max, Percent: q.CPUPercent}, nil
}

// parseAutoscale reads `SERVICE on min N max M cpu PCT | off`.
func parseAutoscale(args []string) (ChangeRequest, error) {
	svc, args, err := serviceArg("autoscale", args)
	q := AutoscaleRequest{Service: svc}
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return q, badArg("usage.on_off")
	}
	switch keyword(args[0]) {
	case "off":
		if len(args) > 1 {
			return q, badArg("usage.unexpected", "Arg", clip(args[1], 40))
		}
		return q, nil
	case "on":
		q.On = true
	default:
		return q, badArg("usage.on_off")
	}
	rest := args[1:]
	seen := map[string]bool{}
	for i := 0; i < len(rest); i++ {
		key := strings.ToLower(rest[i])
		if key != "min" && key != "max" && key != "cpu" || i+1 >= len(rest) {
			return q, ErrAutoscaleArgs
		}
		i++
		n, err := number(rest[i])
		if err != nil {
			return q, err
		}
		seen[key] = true
		switch key {
		case "min":
			q.Min = n
		case "max":
			q.Max = n
		case "cpu":
			q.CPUPercent = n
		}
	}
	if !seen["min"] || !seen["max"] || !seen["cpu"] {
		return q, ErrAutoscaleArgs
	}
	return q, nil
}
