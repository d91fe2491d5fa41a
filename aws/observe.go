package aws

import (
	"context"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Observer is told of every AWS operation when it ends, retries included:
// its service ("ECS", "CloudWatch", …), operation, duration and error. The
// bot counts calls and errors for /metrics with it.
type Observer func(service, operation string, d time.Duration, err error)

// Observe sets the observer of every call these clients make (nil stops).
func (c *Clients) Observe(o Observer) {
	if c.observer != nil {
		c.observer.Store(&o)
	}
}

// observeMiddleware reports each operation to the observer, if one is set.
type observeMiddleware struct{ slot *atomic.Pointer[Observer] }

func (observeMiddleware) ID() string { return "ecsmedic.Observe" }

func (m observeMiddleware) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	start := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	if o := m.slot.Load(); o != nil && *o != nil {
		(*o)(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), time.Since(start), err)
	}
	return out, md, err
}
