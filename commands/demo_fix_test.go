package commands

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
)

// demoFix is the club's whole afternoon in the terminal chat, as the
// README shows it: why the backend died, reservation scaling on (approved
// at the console), more CPU for the backend (approved), and the
// deployment that waits for the host the group adds, then is steady.
var demoFix = []string{
	"!why backend",
	"!reservation on",
	"1",
	"!scale backend cpu 1024",
	"1",
	"!status backend",
}

// echoLines hands the chat one line per read and writes it to the
// transcript first, so the transcript reads like the session: each
// command, then its replies.
type echoLines struct {
	lines []string
	out   io.Writer
}

func (e *echoLines) Read(p []byte) (int, error) {
	if len(e.lines) == 0 {
		return 0, io.EOF
	}
	line := e.lines[0] + "\n"
	if len(line) > len(p) {
		return 0, io.ErrShortBuffer
	}
	e.lines = e.lines[1:]
	fmt.Fprint(e.out, "> "+line)
	return copy(p, line), nil
}

// TestDemoWholeFix plays the demo's whole fix against the incident world
// served by the simulator over HTTP, through the terminal chat and the
// change engine with a real store: the writes are exactly the three the
// plans name, the group adds the host the bigger task needs, and the
// backend ends steady on the new revision. The transcript is a golden file
// in English and Korean.
func TestDemoWholeFix(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "ko"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			rig := newChangeRig(t, config.Roles{})
			var out strings.Builder
			// The terminal prints the follow-up's progress as it comes,
			// between the approval and its outcome (cmd_change.go).
			rig.eng.Notify(func(o change.Outcome) {
				fmt.Fprintln(&out, reply.RenderText(rig.r.ChangeReply(lang, o), reply.TextOptions{}))
			}, nil, false)
			err := Chat(context.Background(), rig.r, &echoLines{lines: demoFix, out: &out}, &out, ChatOptions{Locale: lang})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "demo_fix_"+lang+".golden", out.String())

			if got, want := mutating(rig.srv), []string{"PutScalingPolicy", "RegisterTaskDefinition", "UpdateService"}; !cmp.Equal(got, want) {
				t.Errorf("writes %v, want %v", got, want)
			}
			w := rig.srv.World()
			checkSteady(t, w, "backend", "backend:43")
			if n := activeHosts(w); n != 3 {
				t.Errorf("%d ACTIVE container instances, want 3 (the group's new host)", n)
			}
			if d := w.AutoScalingGroups[0]["DesiredCapacity"]; d != int64(3) {
				t.Errorf("group's desired capacity %v, want 3", d)
			}
		})
	}
}

// checkSteady fails unless the service runs its desired count on the
// revision, in one COMPLETED deployment.
func checkSteady(t *testing.T, w *world.World, name, revision string) {
	t.Helper()
	for _, svc := range w.Services {
		if svc["serviceName"] != name {
			continue
		}
		td, _ := svc["taskDefinition"].(string)
		if !strings.HasSuffix(td, "/"+revision) {
			t.Errorf("%s runs %s, want %s", name, td, revision)
		}
		if svc["runningCount"] != svc["desiredCount"] {
			t.Errorf("%s runs %v of %v", name, svc["runningCount"], svc["desiredCount"])
		}
		deps, _ := svc["deployments"].([]any)
		if len(deps) != 1 {
			t.Fatalf("%s has %d deployments, want 1", name, len(deps))
		}
		d := deps[0].(map[string]any)
		if d["rolloutState"] != "COMPLETED" || d["runningCount"] != d["desiredCount"] {
			t.Errorf("%s deployment %v %v of %v", name, d["rolloutState"], d["runningCount"], d["desiredCount"])
		}
		return
	}
	t.Fatalf("no service %s", name)
}

func activeHosts(w *world.World) int {
	n := 0
	for _, ci := range w.ContainerInstances {
		if ci["status"] == "ACTIVE" {
			n++
		}
	}
	return n
}

// suspendLaunch stops the world's Auto Scaling groups from adding hosts.
func suspendLaunch(w *world.World) {
	for _, g := range w.AutoScalingGroups {
		g["SuspendedProcesses"] = []any{map[string]any{"ProcessName": "Launch"}}
	}
}
