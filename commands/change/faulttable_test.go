package change

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// faultKinds are the failures each write step meets. unclear says AWS may
// have carried the write out, so a reply must not state what is in AWS
// without reading it again.
var faultKinds = []struct {
	kind    string
	unclear bool
}{
	{sim.FaultThrottle, false},
	{sim.Fault500, true},
	{sim.FaultTimeout, true},
	{sim.FaultAccessDenied, false},
	{sim.FaultReset, true},
	{sim.FaultResetAfter, true},
}

// writeStep is one write the change engine makes, and a change that
// reaches it.
type writeStep struct {
	name  string
	op    string // SERVICE:Operation, as --fail names it
	world string
	edit  func(*world.World)
	req   Request
	last  bool // the change's last write: an unclear answer is read again
}

var writeSteps = []writeStep{
	{"register revision (scale cpu)", "ecs:RegisterTaskDefinition", fargateWorld, nil, scaleAPI, false},
	{"deploy revision (scale cpu)", "ecs:UpdateService", fargateWorld, nil, scaleAPI, true},
	{"desired count (scale count)", "ecs:UpdateService", fargateWorld, nil, Request{Kind: KindScaleCount, Target: apiTarget, Value: 2}, true},
	{"grace period", "ecs:UpdateService", fargateWorld, nil, Request{Kind: KindGrace, Target: apiTarget, Value: 120}, true},
	{"reservation on (ASG)", "autoscaling:PutScalingPolicy", "builtin:incident", nil, reservationOn, true},
	{"reservation off (ASG)", "autoscaling:PutScalingPolicy", "builtin:incident", reservationStepPolicy,
		Request{Kind: KindReservationOff, Target: Target{Cluster: "codedang"}}, true},
	{"reservation on (capacity provider)", "ecs:UpdateCapacityProvider", "testdata/capacity.yaml", nil,
		Request{Kind: KindReservationOn, Target: Target{Cluster: "club"}}, true},
	{"reservation off (capacity provider)", "ecs:UpdateCapacityProvider", "testdata/capacity.yaml", managedScalingOn,
		Request{Kind: KindReservationOff, Target: Target{Cluster: "club"}}, true},
	{"autoscale on: target", "application-autoscaling:RegisterScalableTarget", fargateWorld, nil, autoscaleAPI, false},
	{"autoscale on: policy", "application-autoscaling:PutScalingPolicy", fargateWorld, nil, autoscaleAPI, true},
	{"autoscale off: policy", "application-autoscaling:DeleteScalingPolicy", fargateWorld, nil, Request{Kind: KindAutoscaleOff, Target: webTarget}, false},
	{"autoscale off: target", "application-autoscaling:DeregisterScalableTarget", fargateWorld, nil, Request{Kind: KindAutoscaleOff, Target: webTarget}, true},
	{"health check timeout", "elasticloadbalancing:ModifyTargetGroup", fargateWorld, nil, Request{Kind: KindHCTimeout, Target: apiTarget, Value: 10}, true},
}

var autoscaleAPI = Request{Kind: KindAutoscaleOn, Target: apiTarget, Min: 1, Max: 3, Percent: 60}

// managedScalingOn turns the capacity provider's managed scaling on, so
// that reservation off has something to turn off.
func managedScalingOn(w *world.World) {
	w.CapacityProviders[0]["autoScalingGroupProvider"].(map[string]any)["managedScaling"].(map[string]any)["status"] = "ENABLED"
}

// goTypeNames are what a Go error's %v or %T, or the SDK's raw error,
// leaks into a message; none may reach a student.
var goTypeNames = []string{"*smithy.", "smithy.GenericAPIError", "*net.OpError", "*url.Error", "*errors.", "*fmt.", "%!", "<nil>", "<no value>", "*aws.",
	// and the SDK's own error text
	"operation error ", "https response error", "RequestID:", "StatusCode:"}

// faultCase is one row of the table once run.
type faultCase struct {
	step, kind, outcome, status string
	clear, panicked, unapproved bool
	doubles, lost               int
	msg                         string
}

// TestFaultTable: every write step of the change engine × every failure
// AWS gives (throttle, 500, timeout, access denied, connection reset before
// and after the write). For each the change is asked for and approved by a
// second person; then nothing was written before the approval, nothing
// twice, the change ends applied or failed with its lock released and its
// audit written, and the reply says in plain English what happened and,
// after an unclear answer, only what a read of AWS showed.
func TestFaultTable(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var rows []faultCase
	t.Cleanup(func() { reportFaultTable(t, rows) })
	for _, step := range writeSteps {
		for _, fk := range faultKinds {
			t.Run(step.name+"/"+fk.kind, func(t *testing.T) {
				t.Parallel()
				row := faultCase{step: step.name, kind: fk.kind}
				defer func() { // also after a t.Fatal, so that no case goes uncounted
					mu.Lock()
					rows = append(rows, row)
					mu.Unlock()
				}()
				runFaultCase(t, &row, step, fk.unclear)
			})
		}
	}
}

func runFaultCase(t *testing.T, row *faultCase, step writeStep, unclear bool) {
	kind := row.kind
	defer func() {
		if p := recover(); p != nil {
			row.panicked = true
			t.Errorf("panic: %v", p)
		}
	}()
	opts := []harnessOption{withFaults(t, step.op+"="+kind), withWorld(step.edit), withOptions(func(o *Options) {
		o.Services = append(o.Services, capacityTarget, webTarget)
	})}
	if kind == sim.FaultTimeout {
		// The fault holds the call until the client gives up.
		opts = append(opts, func(h *harness) { h.callTimeout = time.Second })
	}
	h := newHarness(t, step.world, opts...)
	_, op, _ := strings.Cut(step.op, ":")
	revisions := len(h.srv.World().TaskDefinitions)

	id := pendingID(t, h.request(alice, step.req))
	if m := h.mutations(); len(m) > 0 {
		row.unapproved = true
		t.Errorf("written before the approval: %v", m)
	}
	o := h.eng.Approve(context.Background(), ask(bob), id)
	if o.Refused() {
		t.Fatalf("approval refused: %q %v", o.Refusal, o.Err)
	}
	// Closing waits for calls still held by a timeout fault to be logged.
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	calls := h.srv.Calls()
	sort.Slice(calls, func(i, j int) bool { return calls[i].Seq < calls[j].Seq }) // logged when answered
	if h.count(op) == 0 {
		t.Fatalf("the change never reached %s: %v", step.op, h.mutations())
	}
	row.status = string(o.Status)
	if o.Plan != nil && o.Plan.Outcome != nil {
		row.outcome = o.Plan.Outcome.ID
	}

	// Nothing applied twice: the SDK may retry a write that sets a state
	// (MaxAttempts 2 in the harness); a revision is registered at most once.
	for _, call := range countMutations(calls) {
		limit := 2
		if call.op == "RegisterTaskDefinition" {
			limit = 1
		}
		if call.n > limit {
			row.doubles++
			t.Errorf("%s sent %d times, at most %d allowed", call.op, call.n, limit)
		}
	}
	if n := len(h.srv.World().TaskDefinitions) - revisions; n > 1 {
		row.doubles++
		t.Errorf("%d revisions registered, want at most 1", n)
	}

	// The store: a final status, the lock released, the audit written.
	c, err := h.st.Change(id)
	if err != nil {
		row.lost++
		t.Fatalf("the change is gone from the store: %v", err)
	}
	if c.Status != store.StatusApplied && c.Status != store.StatusFailed {
		row.lost++
		t.Errorf("the change ends %q, want applied or failed", c.Status)
	}
	if c.Status != o.Status {
		t.Errorf("the reply says %q, the store %q", o.Status, c.Status)
	}
	if lock, _ := h.st.ServiceLock(c.Cluster, c.Service); lock != "" {
		row.lost++
		t.Errorf("still locked by %s", lock)
	}
	if ev := h.events(); len(ev) == 0 || ev[len(ev)-1] != string(c.Status) {
		row.lost++
		t.Errorf("audit %v does not end with %q", ev, c.Status)
	}

	row.clear = clearMessage(t, o, c, kind, unclear, step, calls, op)
	if o.Plan != nil && o.Plan.Outcome != nil {
		row.msg = said(Outcome{Plan: &Plan{Outcome: o.Plan.Outcome}})
	}
}

// clearMessage checks the reply: an outcome in plain English with no Go
// type names, that says what to do, and that after an unclear answer
// states AWS's state only from a read made after the write.
func clearMessage(t *testing.T, o Outcome, c store.Change, kind string, unclear bool, step writeStep, calls []sim.Call, op string) bool {
	t.Helper()
	ok := true
	bad := func(format string, args ...any) {
		t.Helper()
		ok = false
		t.Errorf(format, args...)
	}
	if o.Plan == nil || o.Plan.Outcome == nil || o.Plan.Outcome.ID == "" {
		bad("no outcome in the reply:\n%s", said(o))
		return false
	}
	id := o.Plan.Outcome.ID
	msg := said(Outcome{Plan: &Plan{Outcome: o.Plan.Outcome}})
	if strings.TrimSpace(msg) == "" || msg == id {
		bad("the outcome %s has no English text", id)
	}
	for _, g := range goTypeNames {
		if strings.Contains(msg, g) {
			bad("the outcome leaks %q: %s", g, msg)
		}
	}
	if c.Status == store.StatusFailed {
		if c.Error == "" {
			bad("a failed change with no error stored")
		}
		if !strings.Contains(msg, "Ask again") && !strings.Contains(msg, "Check") && !strings.Contains(msg, "check") &&
			!strings.Contains(msg, "deregister") && !strings.Contains(msg, "permission") && !strings.Contains(msg, "policy") {
			bad("the outcome %s does not say what to do: %s", id, msg)
		}
	}
	if !unclear {
		return ok
	}
	// After an unclear answer the engine may not state as fact that the
	// write failed ("failed, so nothing was changed", "still runs").
	switch id {
	case "error.write", "error.register", "error.after_register":
		bad("after %s the reply states AWS's state without reading it again (%s): %s", kind, id, msg)
	case "error.write_checked", "error.after_register_checked", "error.partial":
		if !readAfter(calls, op) {
			bad("%s claims what AWS holds, but nothing was read after %s", id, op)
		}
	}
	// reset-after carried the last write out: reading again finds it.
	if kind == sim.FaultResetAfter && step.last && c.Status != store.StatusApplied {
		bad("%s went through, but the change ends %s: %s", op, c.Status, msg)
	}
	return ok
}

// readAfter reports whether a read follows the last call of op.
func readAfter(calls []sim.Call, op string) bool {
	last := -1
	for i, c := range calls {
		if c.Operation == op {
			last = i
		}
	}
	for _, c := range calls[last+1:] {
		if !c.Mutating {
			return true
		}
	}
	return false
}

type opCount struct {
	op string
	n  int
}

func countMutations(calls []sim.Call) []opCount {
	var out []opCount
	idx := map[string]int{}
	for _, c := range calls {
		if !c.Mutating {
			continue
		}
		i, ok := idx[c.Operation]
		if !ok {
			i = len(out)
			idx[c.Operation] = i
			out = append(out, opCount{op: c.Operation})
		}
		out[i].n++
	}
	return out
}

// reportFaultTable logs the table's figures and each case's outcome (go
// test -v shows them).
func reportFaultTable(t *testing.T, rows []faultCase) {
	var clear, panics, unapproved, doubles, lost int
	var b strings.Builder
	for _, r := range rows {
		if r.clear {
			clear++
		}
		if r.panicked {
			panics++
		}
		if r.unapproved {
			unapproved++
		}
		doubles += r.doubles
		lost += r.lost
		fmt.Fprintf(&b, "%-38s %-12s %-8s %-30s %s\n", r.step, r.kind, r.status, r.outcome, r.msg)
	}
	t.Logf("fault table: %d cases, %d with a clear message, %d panics, %d unapproved writes, %d double applies, %d records lost\n%s",
		len(rows), clear, panics, unapproved, doubles, lost, b.String())
}
