package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

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
		hideEnvironment(v)
		b, _ = json.MarshalIndent(v, "", "  ")
	}
	return r.Action() + " " + string(b)
}

func hideEnvironment(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "Environment" {
				if list, ok := e.([]any); ok {
					for _, kv := range list {
						if m, ok := kv.(map[string]any); ok && m["Value"] != nil {
							m["Value"] = "(hidden)"
						}
					}
				}
				continue
			}
			hideEnvironment(e)
		}
	case []any:
		for _, e := range v {
			hideEnvironment(e)
		}
	}
}

// RequestFor returns the Request a writer input makes; ok is false for a
// type no writer takes.
func RequestFor(in any) (Request, bool) {
	r := Request{Input: in}
	switch in.(type) {
	case *ecs.RegisterTaskDefinitionInput:
		r.Service, r.Operation = "ecs", "RegisterTaskDefinition"
	case *ecs.UpdateServiceInput:
		r.Service, r.Operation = "ecs", "UpdateService"
	case *ecs.UpdateCapacityProviderInput:
		r.Service, r.Operation = "ecs", "UpdateCapacityProvider"
	case *autoscaling.PutScalingPolicyInput:
		r.Service, r.Operation = "autoscaling", "PutScalingPolicy"
	case *autoscaling.DeletePolicyInput:
		r.Service, r.Operation = "autoscaling", "DeletePolicy"
	case *applicationautoscaling.RegisterScalableTargetInput:
		r.Service, r.Operation = "application-autoscaling", "RegisterScalableTarget"
	case *applicationautoscaling.PutScalingPolicyInput:
		r.Service, r.Operation = "application-autoscaling", "PutScalingPolicy"
	case *applicationautoscaling.DeleteScalingPolicyInput:
		r.Service, r.Operation = "application-autoscaling", "DeleteScalingPolicy"
	case *applicationautoscaling.DeregisterScalableTargetInput:
		r.Service, r.Operation = "application-autoscaling", "DeregisterScalableTarget"
	case *elasticloadbalancingv2.ModifyTargetGroupInput:
		r.Service, r.Operation = "elasticloadbalancing", "ModifyTargetGroup"
	default:
		return Request{}, false
	}
	return r, true
}

// write sends one request unless dryRun. Only the action is logged: inputs
// can carry secrets.
func write[In any, Out any](ctx context.Context, in *In, dryRun bool, send func(context.Context, *In) (*Out, error)) (*Out, error) {
	r, _ := RequestFor(in)
	if in == nil {
		return nil, fmt.Errorf("%s: nothing to send (the input is nil)", r.Action())
	}
	if dryRun {
		slog.InfoContext(ctx, "aws write skipped: dry run", "action", r.Action())
		return nil, nil
	}
	out, err := send(ctx, in)
	if err != nil {
		slog.WarnContext(ctx, "aws write failed", "action", r.Action(), "err", err)
		return nil, Explain(err)
	}
	slog.InfoContext(ctx, "aws write done", "action", r.Action())
	return out, nil
}

// RegisterTaskDefinition registers a new revision. It is sent once, never
// retried: a retry after a lost answer would register a second revision.
func (c *Clients) RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, dryRun bool) (*ecs.RegisterTaskDefinitionOutput, error) {
	out, err := write(ctx, in, dryRun, func(ctx context.Context, in *ecs.RegisterTaskDefinitionInput) (*ecs.RegisterTaskDefinitionOutput, error) {
		return c.ECS.RegisterTaskDefinition(ctx, in, func(o *ecs.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) })
	})
	var te *TimeoutError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("%w; the revision may have been registered anyway: check with aws ecs list-task-definitions --family-prefix %s before asking again", err, deref(in.Family))
	}
	return out, err
}

// UpdateService changes a service (task definition, desired count, grace
// period, …). Retrying it is safe: it sets a state.
func (c *Clients) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, dryRun bool) (*ecs.UpdateServiceOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *ecs.UpdateServiceInput) (*ecs.UpdateServiceOutput, error) {
		return c.ECS.UpdateService(ctx, in)
	})
}

// UpdateCapacityProvider changes a capacity provider's managed scaling.
func (c *Clients) UpdateCapacityProvider(ctx context.Context, in *ecs.UpdateCapacityProviderInput, dryRun bool) (*ecs.UpdateCapacityProviderOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *ecs.UpdateCapacityProviderInput) (*ecs.UpdateCapacityProviderOutput, error) {
		return c.ECS.UpdateCapacityProvider(ctx, in)
	})
}

// PutAutoScalingPolicy creates or replaces an EC2 Auto Scaling policy.
func (c *Clients) PutAutoScalingPolicy(ctx context.Context, in *autoscaling.PutScalingPolicyInput, dryRun bool) (*autoscaling.PutScalingPolicyOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *autoscaling.PutScalingPolicyInput) (*autoscaling.PutScalingPolicyOutput, error) {
		return c.AutoScaling.PutScalingPolicy(ctx, in)
	})
}

// DeleteAutoScalingPolicy deletes an EC2 Auto Scaling policy.
func (c *Clients) DeleteAutoScalingPolicy(ctx context.Context, in *autoscaling.DeletePolicyInput, dryRun bool) (*autoscaling.DeletePolicyOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *autoscaling.DeletePolicyInput) (*autoscaling.DeletePolicyOutput, error) {
		return c.AutoScaling.DeletePolicy(ctx, in)
	})
}

// RegisterScalableTarget creates or updates a service's scalable target.
func (c *Clients) RegisterScalableTarget(ctx context.Context, in *applicationautoscaling.RegisterScalableTargetInput, dryRun bool) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *applicationautoscaling.RegisterScalableTargetInput) (*applicationautoscaling.RegisterScalableTargetOutput, error) {
		return c.AppAutoScaling.RegisterScalableTarget(ctx, in)
	})
}

// PutServiceScalingPolicy creates or replaces a service's Application Auto
// Scaling policy.
func (c *Clients) PutServiceScalingPolicy(ctx context.Context, in *applicationautoscaling.PutScalingPolicyInput, dryRun bool) (*applicationautoscaling.PutScalingPolicyOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *applicationautoscaling.PutScalingPolicyInput) (*applicationautoscaling.PutScalingPolicyOutput, error) {
		return c.AppAutoScaling.PutScalingPolicy(ctx, in)
	})
}

// DeleteServiceScalingPolicy deletes a service's Application Auto Scaling
// policy.
func (c *Clients) DeleteServiceScalingPolicy(ctx context.Context, in *applicationautoscaling.DeleteScalingPolicyInput, dryRun bool) (*applicationautoscaling.DeleteScalingPolicyOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *applicationautoscaling.DeleteScalingPolicyInput) (*applicationautoscaling.DeleteScalingPolicyOutput, error) {
		return c.AppAutoScaling.DeleteScalingPolicy(ctx, in)
	})
}

// DeregisterScalableTarget removes a service's scalable target and its
// policies.
func (c *Clients) DeregisterScalableTarget(ctx context.Context, in *applicationautoscaling.DeregisterScalableTargetInput, dryRun bool) (*applicationautoscaling.DeregisterScalableTargetOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *applicationautoscaling.DeregisterScalableTargetInput) (*applicationautoscaling.DeregisterScalableTargetOutput, error) {
		return c.AppAutoScaling.DeregisterScalableTarget(ctx, in)
	})
}

// ModifyTargetGroup changes a target group's health check.
func (c *Clients) ModifyTargetGroup(ctx context.Context, in *elasticloadbalancingv2.ModifyTargetGroupInput, dryRun bool) (*elasticloadbalancingv2.ModifyTargetGroupOutput, error) {
	return write(ctx, in, dryRun, func(ctx context.Context, in *elasticloadbalancingv2.ModifyTargetGroupInput) (*elasticloadbalancingv2.ModifyTargetGroupOutput, error) {
		return c.ELB.ModifyTargetGroup(ctx, in)
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
