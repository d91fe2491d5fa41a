package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// The writers behind guarded changes. Each takes dryRun: then nothing is
// sent and the output is nil; RequestFor shows what would have been sent.
// Errors come back through Explain.

// Request is one write as it would be sent: the IAM service prefix, the
// operation and the typed input (e.g. *ecs.UpdateServiceInput).
type Request struct {
	Service   string
	Operation string
	Input     any
}

// Action is the IAM action, e.g. "ecs:UpdateService".
func (r Request) Action() string { return r.Service + ":" + r.Operation }

// String shows the action and its input as JSON, with container
// environment values hidden (they often hold secrets).
func (r Request) String() string {
	b, err := json.Marshal(r.Input)
	if err != nil {
		return r.Action()
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		HideEnvironment(v)
		b, _ = json.MarshalIndent(v, "", "  ")
	}
	return r.Action() + " " + string(b)
}

// HideEnvironment replaces, in place, the value of every container
// environment variable in v (decoded JSON, or a world object, so with the
// keys as "Environment"/"Value" or "environment"/"value") with "(hidden)".
// Plain environment values often hold secrets, and nothing ecsmedic
// shows or replays needs them: only their names.
func HideEnvironment(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "Environment" || k == "environment" {
				if list, ok := e.([]any); ok {
					for _, kv := range list {
						if m, ok := kv.(map[string]any); ok {
							for _, vk := range []string{"Value", "value"} {
								if m[vk] != nil {
									m[vk] = "(hidden)"
								}
							}
						}
					}
				}
				continue
			}
			HideEnvironment(e)
		}
	case []any:
		for _, e := range v {
			HideEnvironment(e)
		}
	}
}

// writeOp is one write ecsmedic can make: the IAM service prefix and
// operation, and how to send it (a write that is not safe to retry says so
// in its call).
type writeOp struct {
	service, operation string
	send               func(ctx context.Context, c *Clients, in any) (any, error)
}

// op makes a catalogue entry from a typed call.
func op[In, Out any](service, operation string, call func(context.Context, *Clients, *In) (*Out, error)) writeOp {
	return writeOp{service: service, operation: operation,
		send: func(ctx context.Context, c *Clients, in any) (any, error) { return call(ctx, c, in.(*In)) }}
}

// writes is the catalogue of every write ecsmedic makes, by input type.
// RequestFor, Send and the typed writers below all read it, and the IAM
// policy must allow each of them (iampolicy's tests check).
var writes = map[reflect.Type]writeOp{
	reflect.TypeFor[*ecs.RegisterTaskDefinitionInput](): op("ecs", "RegisterTaskDefinition",
		// Sent once: a retry after a lost answer would register a
		// second revision.
		func(ctx context.Context, c *Clients, in *ecs.RegisterTaskDefinitionInput) (*ecs.RegisterTaskDefinitionOutput, error) {
			return c.ECS.RegisterTaskDefinition(ctx, in, func(o *ecs.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) })
		}),
	reflect.TypeFor[*ecs.UpdateServiceInput](): op("ecs", "UpdateService",
		func(ctx context.Context, c *Clients, in *ecs.UpdateServiceInput) (*ecs.UpdateServiceOutput, error) {
			return c.ECS.UpdateService(ctx, in)
		}),
	reflect.TypeFor[*ecs.UpdateCapacityProviderInput](): op("ecs", "UpdateCapacityProvider",
		func(ctx context.Context, c *Clients, in *ecs.UpdateCapacityProviderInput) (*ecs.UpdateCapacityProviderOutput, error) {
			return c.ECS.UpdateCapacityProvider(ctx, in)
		}),
	reflect.TypeFor[*autoscaling.PutScalingPolicyInput](): op("autoscaling", "PutScalingPolicy",
		func(ctx context.Context, c *Clients, in *autoscaling.PutScalingPolicyInput) (*autoscaling.PutScalingPolicyOutput, error) {
			return c.AutoScaling.PutScalingPolicy(ctx, in)
		}),
	reflect.TypeFor[*autoscaling.DeletePolicyInput](): op("autoscaling", "DeletePolicy",
		func(ctx context.Context, c *Clients, in *autoscaling.DeletePolicyInput) (*autoscaling.DeletePolicyOutput, error) {
			return c.AutoScaling.DeletePolicy(ctx, in)
		}),
	reflect.TypeFor[*applicationautoscaling.RegisterScalableTargetInput](): op("application-autoscaling", "RegisterScalableTarget",
		func(ctx context.Context, c *Clients, in *applicationautoscaling.RegisterScalableTargetInput) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
			return c.AppAutoScaling.RegisterScalableTarget(ctx, in)
		}),
	reflect.TypeFor[*applicationautoscaling.PutScalingPolicyInput](): op("application-autoscaling", "PutScalingPolicy",
		func(ctx context.Context, c *Clients, in *applicationautoscaling.PutScalingPolicyInput) (*applicationautoscaling.PutScalingPolicyOutput, error) {
			return c.AppAutoScaling.PutScalingPolicy(ctx, in)
		}),
	reflect.TypeFor[*applicationautoscaling.DeleteScalingPolicyInput](): op("application-autoscaling", "DeleteScalingPolicy",
		func(ctx context.Context, c *Clients, in *applicationautoscaling.DeleteScalingPolicyInput) (*applicationautoscaling.DeleteScalingPolicyOutput, error) {
			return c.AppAutoScaling.DeleteScalingPolicy(ctx, in)
		}),
	reflect.TypeFor[*applicationautoscaling.DeregisterScalableTargetInput](): op("application-autoscaling", "DeregisterScalableTarget",
		func(ctx context.Context, c *Clients, in *applicationautoscaling.DeregisterScalableTargetInput) (*applicationautoscaling.DeregisterScalableTargetOutput, error) {
			return c.AppAutoScaling.DeregisterScalableTarget(ctx, in)
		}),
	reflect.TypeFor[*elasticloadbalancingv2.ModifyTargetGroupInput](): op("elasticloadbalancing", "ModifyTargetGroup",
		func(ctx context.Context, c *Clients, in *elasticloadbalancingv2.ModifyTargetGroupInput) (*elasticloadbalancingv2.ModifyTargetGroupOutput, error) {
			return c.ELB.ModifyTargetGroup(ctx, in)
		}),
}

// Writes lists the catalogue's requests (no inputs), sorted by action: what
// the IAM policy must allow.
func Writes() []Request {
	out := make([]Request, 0, len(writes))
	for _, w := range writes {
		out = append(out, Request{Service: w.service, Operation: w.operation})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action() < out[j].Action() })
	return out
}

// RequestFor returns the Request a writer input makes; ok is false for a
// type no writer takes.
func RequestFor(in any) (Request, bool) {
	w, ok := writes[reflect.TypeOf(in)]
	if !ok {
		return Request{}, false
	}
	return Request{Service: w.service, Operation: w.operation, Input: in}, true
}

// Send makes the write in (any input of the catalogue) unless dryRun, and
// returns its typed output (nil on a dry run). Only the action is logged:
// inputs can carry secrets. Errors come back through Explain.
func (c *Clients) Send(ctx context.Context, in any, dryRun bool) (any, error) {
	w, ok := writes[reflect.TypeOf(in)]
	if !ok {
		return nil, fmt.Errorf("ecsmedic cannot send %T: it is not one of its writes", in)
	}
	action := w.service + ":" + w.operation
	if v := reflect.ValueOf(in); v.IsNil() {
		return nil, fmt.Errorf("%s: nothing to send (the input is nil)", action)
	}
	if dryRun {
		slog.InfoContext(ctx, "aws write skipped: dry run", "action", action)
		return nil, nil
	}
	out, err := w.send(ctx, c, in)
	if err != nil {
		slog.WarnContext(ctx, "aws write failed", "action", action, "err", err)
		return nil, Explain(err)
	}
	slog.InfoContext(ctx, "aws write done", "action", action)
	return out, nil
}

// write is Send for the typed writers below.
func write[In, Out any](ctx context.Context, c *Clients, in *In, dryRun bool) (*Out, error) {
	out, err := c.Send(ctx, in, dryRun)
	if err != nil || out == nil {
		return nil, err
	}
	return out.(*Out), nil
}

// RegisterTaskDefinition registers a new revision. It is sent once, never
// retried: a retry after a lost answer would register a second revision.
func (c *Clients) RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, dryRun bool) (*ecs.RegisterTaskDefinitionOutput, error) {
	out, err := write[ecs.RegisterTaskDefinitionInput, ecs.RegisterTaskDefinitionOutput](ctx, c, in, dryRun)
	var te *TimeoutError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("%w; the revision may have been registered anyway: check with aws ecs list-task-definitions --family-prefix %s before asking again", err, deref(in.Family))
	}
	return out, err
}

// UpdateService changes a service (task definition, desired count, grace
// period, …). Retrying it is safe: it sets a state.
func (c *Clients) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, dryRun bool) (*ecs.UpdateServiceOutput, error) {
	return write[ecs.UpdateServiceInput, ecs.UpdateServiceOutput](ctx, c, in, dryRun)
}

// UpdateCapacityProvider changes a capacity provider's managed scaling.
func (c *Clients) UpdateCapacityProvider(ctx context.Context, in *ecs.UpdateCapacityProviderInput, dryRun bool) (*ecs.UpdateCapacityProviderOutput, error) {
	return write[ecs.UpdateCapacityProviderInput, ecs.UpdateCapacityProviderOutput](ctx, c, in, dryRun)
}

// PutAutoScalingPolicy creates or replaces an EC2 Auto Scaling policy.
func (c *Clients) PutAutoScalingPolicy(ctx context.Context, in *autoscaling.PutScalingPolicyInput, dryRun bool) (*autoscaling.PutScalingPolicyOutput, error) {
	return write[autoscaling.PutScalingPolicyInput, autoscaling.PutScalingPolicyOutput](ctx, c, in, dryRun)
}

// DeleteAutoScalingPolicy deletes an EC2 Auto Scaling policy.
func (c *Clients) DeleteAutoScalingPolicy(ctx context.Context, in *autoscaling.DeletePolicyInput, dryRun bool) (*autoscaling.DeletePolicyOutput, error) {
	return write[autoscaling.DeletePolicyInput, autoscaling.DeletePolicyOutput](ctx, c, in, dryRun)
}

// RegisterScalableTarget creates or updates a service's scalable target.
func (c *Clients) RegisterScalableTarget(ctx context.Context, in *applicationautoscaling.RegisterScalableTargetInput, dryRun bool) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
	return write[applicationautoscaling.RegisterScalableTargetInput, applicationautoscaling.RegisterScalableTargetOutput](ctx, c, in, dryRun)
}

// PutServiceScalingPolicy creates or replaces a service's Application Auto
// Scaling policy.
func (c *Clients) PutServiceScalingPolicy(ctx context.Context, in *applicationautoscaling.PutScalingPolicyInput, dryRun bool) (*applicationautoscaling.PutScalingPolicyOutput, error) {
	return write[applicationautoscaling.PutScalingPolicyInput, applicationautoscaling.PutScalingPolicyOutput](ctx, c, in, dryRun)
}

// DeleteServiceScalingPolicy deletes a service's Application Auto Scaling
// policy.
func (c *Clients) DeleteServiceScalingPolicy(ctx context.Context, in *applicationautoscaling.DeleteScalingPolicyInput, dryRun bool) (*applicationautoscaling.DeleteScalingPolicyOutput, error) {
	return write[applicationautoscaling.DeleteScalingPolicyInput, applicationautoscaling.DeleteScalingPolicyOutput](ctx, c, in, dryRun)
}

// DeregisterScalableTarget removes a service's scalable target and its
// policies.
func (c *Clients) DeregisterScalableTarget(ctx context.Context, in *applicationautoscaling.DeregisterScalableTargetInput, dryRun bool) (*applicationautoscaling.DeregisterScalableTargetOutput, error) {
	return write[applicationautoscaling.DeregisterScalableTargetInput, applicationautoscaling.DeregisterScalableTargetOutput](ctx, c, in, dryRun)
}

// ModifyTargetGroup changes a target group's health check.
func (c *Clients) ModifyTargetGroup(ctx context.Context, in *elasticloadbalancingv2.ModifyTargetGroupInput, dryRun bool) (*elasticloadbalancingv2.ModifyTargetGroupOutput, error) {
	return write[elasticloadbalancingv2.ModifyTargetGroupInput, elasticloadbalancingv2.ModifyTargetGroupOutput](ctx, c, in, dryRun)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
