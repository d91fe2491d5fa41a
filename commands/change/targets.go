package change

import (
	"context"
	"errors"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// clients are the AWS clients of the target ctx names (svcref.WithTarget):
// the engine's own for the only target, else Options.ClientsFor's.
func (e *Engine) clients(ctx context.Context) (*aws.Clients, error) {
	target := svcref.TargetOf(ctx)
	if target == "" || e.opt.ClientsFor == nil {
		if e.aws == nil {
			return nil, errNoTarget
		}
		return e.aws, nil
	}
	return e.opt.ClientsFor(ctx, target)
}

// errNoTarget: the config has several targets and the change names none.
var errNoTarget = errors.New("the config has several targets (accounts or regions) and this change names none: " +
	"name the service or cluster as TARGET/NAME, such as prod/backend")

// forTarget scopes ctx to the target of the change's service, for clients.
func forTarget(ctx context.Context, t Target) context.Context {
	return svcref.WithTarget(ctx, t.Target)
}
