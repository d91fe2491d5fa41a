package change

import (
	"context"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsmedic/ecsmedic/store"
)

// TestResume: what a restart between approval and the end of the apply
// leaves, settled at the next start without applying anything twice.
func TestResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("approved, never applied: applied now", func(t *testing.T) {
		h := newHarness(t, fargateWorld)
		id := pendingID(t, h.request(alice, scaleAPI))
		if _, err := h.st.Transition(id, []store.Status{store.StatusPending}, store.StatusApproved, func(c *store.Change) error {
			c.ApprovedBy, c.ApprovedByName = bob.ID, bob.Name
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		if c := h.change(id); c.Status != store.StatusApplied {
			t.Errorf("status %s", c.Status)
		}
		if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
			t.Errorf("mutations %v", h.mutations())
		}
	})
	t.Run("deployment under way: followed to the end", func(t *testing.T) {
		h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.Background = true }))
		// The first engine stops while following: its wait never ends.
		h.eng.opt.Wait = func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
		id := pendingID(t, h.request(alice, scaleAPI))
		m := h.eng.Approve(ctx, ask(bob), id)
		mustBe(t, m, RefusalNone, store.StatusApplying)
		if got := revName(m.Plan.NewTaskDefinition); got != "api:4" {
			t.Errorf("registered %q, want api:4", got)
		}
		h.eng.Close()
		if c := h.change(id); c.Status != store.StatusApplying {
			t.Fatalf("status %s before the restart", c.Status)
		}
		h.opt.Background = false
		next := New(h.clients, h.st, h.opt)
		if err := next.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		if c := h.change(id); c.Status != store.StatusApplied {
			t.Errorf("status %s after Resume", c.Status)
		}
		if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
			t.Errorf("applied twice: %v", h.mutations())
		}
	})
	t.Run("deployment under way, settled at a one-shot's start: left applying, then picked up by approve", func(t *testing.T) {
		h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.Background = true }))
		h.eng.opt.Wait = func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
		id := pendingID(t, h.request(alice, scaleAPI))
		mustBe(t, h.eng.Approve(ctx, ask(bob), id), RefusalNone, store.StatusApplying)
		h.eng.Close()
		h.opt.Background = false
		next := New(h.clients, h.st, h.opt)
		describes := len(h.srv.Calls())
		if err := next.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		if c := h.change(id); c.Status != store.StatusApplying {
			t.Errorf("status %s after Settle, want applying (followed by the bot)", c.Status)
		}
		if n := len(h.srv.Calls()) - describes; n > 1 {
			t.Errorf("Settle made %d calls: it followed the deployment", n)
		}
		mustBe(t, next.Approve(ctx, ask(tty), id), RefusalNone, store.StatusApplied)
		if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
			t.Errorf("applied twice: %v", h.mutations())
		}
	})
	t.Run("registered, service not updated: failed, revision named", func(t *testing.T) {
		h := newHarness(t, fargateWorld)
		id := pendingID(t, h.request(alice, scaleAPI))
		td := describe(t, h, "api:3")
		out, err := h.clients.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: td.Family, ContainerDefinitions: td.ContainerDefinitions,
			Cpu: awssdk.String("512"), Memory: td.Memory, NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities})
		if err != nil {
			t.Fatal(err)
		}
		crashWhileApplying(t, h, id, awssdk.ToString(out.TaskDefinition.TaskDefinitionArn))
		before := len(h.mutations())
		if err := h.eng.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		c := h.change(id)
		if c.Status != store.StatusFailed {
			t.Fatalf("status %s", c.Status)
		}
		if want := "api:4 was registered, but api does not use it"; !strings.Contains(c.Error, want) {
			t.Errorf("error %q lacks %q", c.Error, want)
		}
		if got := h.mutations()[before:]; len(got) > 0 {
			t.Errorf("Resume wrote %v", got)
		}
	})
	t.Run("setting already in place: applied", func(t *testing.T) {
		h := newHarness(t, fargateWorld)
		id := pendingID(t, h.request(alice, Request{Kind: KindGrace, Target: apiTarget, Value: 90}))
		crashWhileApplying(t, h, id, "")
		if _, err := h.clients.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: awssdk.String("lab"), Service: awssdk.String("api"),
			HealthCheckGracePeriodSeconds: awssdk.Int32(90)}); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		if c := h.change(id); c.Status != store.StatusApplied {
			t.Errorf("status %s: %s", c.Status, c.Error)
		}
	})
	t.Run("setting not in place: failed, not sent again", func(t *testing.T) {
		h := newHarness(t, fargateWorld)
		id := pendingID(t, h.request(alice, Request{Kind: KindGrace, Target: apiTarget, Value: 90}))
		crashWhileApplying(t, h, id, "")
		if err := h.eng.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		if c := h.change(id); c.Status != store.StatusFailed {
			t.Errorf("status %s", c.Status)
		}
		h.noMutations("resume")
	})
}

// crashWhileApplying leaves a change as a crash during its apply would:
// approved, applying, with the revision it registered (if any).
func crashWhileApplying(t *testing.T, h *harness, id, registered string) {
	t.Helper()
	for _, step := range [][2]store.Status{{store.StatusPending, store.StatusApproved}, {store.StatusApproved, store.StatusApplying}} {
		if _, err := h.st.Transition(id, []store.Status{step[0]}, step[1], func(c *store.Change) error {
			if registered != "" && step[1] == store.StatusApplying {
				p, err := decodePlan(c.Plan)
				if err != nil {
					return err
				}
				p.NewTaskDefinition = registered
				c.Plan = encodePlan(p)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}
