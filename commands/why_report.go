package commands

import (
	"context"
	"errors"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// WhyReport answers a WhyRequest with both the diagnosis (the contract of
// `why --format json`) and its reply, from one gather, for a front-end
// that gives both (the MCP server). When the request cannot be answered,
// err says why and the reply words it for a person (Failed set).
func (r *Router) WhyReport(ctx context.Context, req WhyRequest) (d diagnose.Diagnosis, m reply.Message, err error) {
	ms := r.answer(ctx, "why", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		var ref ServiceRef
		var snap *aws.ServiceSnapshot
		ref, d, snap, err = r.diagnoseRequest(ctx, req)
		if err != nil {
			return []reply.Message{r.errorReply(p, "why", err)}
		}
		return []reply.Message{explain.Why(p, explain.View{Name: ref.Name(), D: d, Snap: snap, Loc: r.env.loc()})}
	})
	m = ms[0]
	if m.Failed && err == nil { // a panic, turned into an apology by answer
		err = errors.New(m.Description)
	}
	return d, m, err
}
