package aws

import (
	"context"
	"slices"
	"sort"
	"sync"
)

// gather runs the reads of one snapshot concurrently. Each read starts as
// soon as its input is known; a read that may be left out records itself in
// missing, one that may not cancels the rest.
type gather struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	fatal   error
	missing []Missing
}

func newGather(ctx context.Context) *gather {
	g := &gather{parent: ctx}
	g.ctx, g.cancel = context.WithCancel(ctx)
	return g
}

// do runs f in its own goroutine.
func (g *gather) do(f func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f(g.ctx)
	}()
}

// fail records the first fatal error and stops the other reads.
func (g *gather) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fatal == nil && g.ctx.Err() == nil { // else this is the echo of an earlier end
		g.fatal = Explain(err)
		g.cancel()
	}
}

// soft records a read that failed in any way as missing: the snapshot is
// still useful without it.
func (g *gather) soft(what string, err error) {
	if g.ctx.Err() != nil {
		return // the gather is ending: another read failed or the caller gave up
	}
	g.mu.Lock()
	g.missing = append(g.missing, missingRead(what, err))
	g.mu.Unlock()
}

// core records a read the diagnosis depends on: missing when denied or
// absent (the diagnosis will say what it lacks), fatal otherwise, since a
// throttled task list would read as "no stopped tasks".
func (g *gather) core(what string, err error) {
	if optional(err) {
		g.soft(what, err)
		return
	}
	g.fail(err)
}

// wait waits for every read and returns the fatal error, if any, and the
// missing lines in a stable order.
func (g *gather) wait() ([]Missing, error) {
	g.wg.Wait()
	g.cancel()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fatal != nil {
		return nil, g.fatal
	}
	if err := g.parent.Err(); err != nil {
		return nil, Explain(err)
	}
	// Several calls of one kind (metrics in batches) fail alike: say it once.
	sort.Slice(g.missing, func(i, j int) bool { return g.missing[i].String() < g.missing[j].String() })
	return slices.Compact(g.missing), nil
}

// done is a signal that some input is known, closed once.
type done chan struct{}

func (d done) close() { close(d) }

func waitAll(ds ...done) {
	for _, d := range ds {
		<-d
	}
}

// note records something the snapshot lacks that is no failed call.
func (g *gather) note(m Missing) {
	g.mu.Lock()
	g.missing = append(g.missing, m)
	g.mu.Unlock()
}
