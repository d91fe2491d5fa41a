package diagnose

import (
	"sort"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// Options tune one diagnosis.
type Options struct {
	Alias   string    // the name the user typed, used in the suggested commands
	Prefix  string    // the chat command prefix, "!" when empty
	Since   time.Time // start of the window; zero = the default window
	TaskID  string    // diagnose only this task (ID or ARN)
	Limits  Limits    // caps for the sizes the remedies suggest
	History []Stop    // stops the bot recorded itself, used when AWS forgot them
	// Early asks about a service before it stops (the watcher's early
	// warning): starvation, memory pressure and log floods are judged on
	// the last 10 minutes, as if a task stopped now, whatever stopped
	// earlier, so that the remedies are those such a stop would get.
	Early bool
}

// Limits cap what the remedies may suggest; zero means no cap.
type Limits struct {
	MaxCPU       int // task CPU units
	MaxMemoryMiB int
}

// defaultWindow is how far back a diagnosis looks when not told.
const defaultWindow = time.Hour

// Diagnose explains why the service's tasks stopped. It is pure: it reads
// only snap and opt (snap.Now is the present), so the same input always
// gives the same answer.
//
// The window is the hour before snap.Now, widened back to the newest known
// stop (and the ten minutes before it) when that is older; opt.Since sets
// its start, opt.TaskID narrows the answer to one task and widens the
// window to reach it.
//
// Each stop gets exactly one cause (see classify.go for the rules, in the
// order they are checked); stops AWS no longer returns are rebuilt from the
// service events or taken from opt.History. The verdict is about the newest
// stop in the window; when nothing stopped it is placement-failed,
// no-recent-stops or unknown. Contributing factors (factors.go), notes,
// remedies (remedies.go), a timeline, the last log lines and the figures
// behind them complete the answer; every claim of the summary has an
// Evidence item.
func Diagnose(snap *aws.ServiceSnapshot, opt Options) Diagnosis {
	if snap == nil {
		return Diagnosis{
			Verdict: Verdict{Cause: CauseUnknown, Contributing: []string{}, Confidence: ConfidenceLow,
				Summary: "Nothing could be read about the service, so nothing can be said about its tasks."},
			Stops: []Stop{}, Evidence: []Evidence{}, Remedies: []Remedy{},
			Missing: []aws.Missing{{Code: MissingNoData, Detail: missingText[MissingNoData]}},
		}
	}
	d := newDiag(snap, opt)
	d.collectStops()
	d.chooseWindow()
	d.decideVerdict()
	d.findFactors()
	d.addNotes()
	d.addRemedies()
	d.buildTimeline()
	d.lastLogs()
	d.writeSummary()
	return d.finish()
}

// diag is the working state of one diagnosis.
type diag struct {
	snap   *aws.ServiceSnapshot
	opt    Options
	now    time.Time
	events []serviceEvent
	td     map[string]*ecstypes.TaskDefinition

	all     []*stopCase // every known stop, newest first
	inWin   []*stopCase // the stops in the window (and of opt.TaskID)
	verdict *stopCase   // the newest stop in the window, nil when none
	from    time.Time   // the window
	to      time.Time

	out         Diagnosis
	factorSet   map[string]bool
	clauses     []clause // the summary's parts after the cause, in order
	hostCPU     *Evidence
	taskRunning bool // opt.TaskID names a task that is still running
	missing     map[aws.MissingCode]bool
}

// stopCase is one stop while it is being diagnosed.
type stopCase struct {
	Stop
	id         string
	task       *ecstypes.Task // nil for stops AWS has forgotten
	startedAt  time.Time
	stoppingAt time.Time
	confidence string
	why        []Evidence // what decided the cause
	container  string     // the container that decided it, if one did
	exitCode   *int32
	oomReason  bool
	lacks      []aws.MissingCode // what was missing for this stop's cause
}

// lack records a piece of evidence this stop's cause was decided without.
func (s *stopCase) lack(code aws.MissingCode) { s.lacks = append(s.lacks, code) }

// at is when ECS decided to stop the task: stoppingAt when known, else
// stoppedAt. "The minutes before the stop" end here.
func (s *stopCase) at() time.Time {
	if !s.stoppingAt.IsZero() && !s.stoppingAt.After(s.StoppedAt) {
		return s.stoppingAt
	}
	return s.StoppedAt
}

func newDiag(snap *aws.ServiceSnapshot, opt Options) *diag {
	d := &diag{snap: snap, opt: opt, now: snap.Now, factorSet: map[string]bool{}, missing: map[aws.MissingCode]bool{}}
	if d.opt.Prefix == "" {
		d.opt.Prefix = "!"
	}
	if d.opt.Alias == "" {
		d.opt.Alias = deref(snap.Service.ServiceName)
	}
	d.events = parseEvents(snap.Service.Events)
	d.td = make(map[string]*ecstypes.TaskDefinition, len(snap.TaskDefinitions)+1)
	for k := range snap.TaskDefinitions {
		td := snap.TaskDefinitions[k]
		d.td[k] = &td
	}
	if a := deref(snap.TaskDefinition.TaskDefinitionArn); a != "" {
		if _, ok := d.td[a]; !ok {
			d.td[a] = &snap.TaskDefinition
		}
	}
	if d.now.IsZero() {
		// No capture time: the newest thing we know of stands in for it.
		for _, e := range d.events {
			if e.At.After(d.now) {
				d.now = e.At
			}
		}
		for i := range snap.Stopped {
			if t := stoppedTime(&snap.Stopped[i]); t.After(d.now) {
				d.now = t
			}
		}
	}
	d.out = Diagnosis{
		Service:  deref(snap.Service.ServiceName),
		Cluster:  clusterName(snap),
		Stops:    []Stop{},
		Evidence: []Evidence{},
		Remedies: []Remedy{},
	}
	return d
}

// collectStops gathers every stop known: DescribeTasks first, then the bot's
// own history, then stops only the service events remember.
func (d *diag) collectStops() {
	seen := make(map[string]bool, len(d.snap.Stopped)+len(d.opt.History))
	svc := deref(d.snap.Service.ServiceName)
	for i := range d.snap.Stopped {
		t := &d.snap.Stopped[i]
		if g := deref(t.Group); svc != "" && g != "" && g != "service:"+svc {
			continue // another service's task; the gatherer should not send it
		}
		at := stoppedTime(t)
		if at.IsZero() {
			continue
		}
		sc := &stopCase{task: t, id: taskID(deref(t.TaskArn))}
		sc.TaskArn = deref(t.TaskArn)
		sc.StoppedAt = at
		sc.StopCode = string(t.StopCode)
		sc.StoppedReason = deref(t.StoppedReason)
		sc.Source = "ecs"
		sc.startedAt = derefTime(t.StartedAt)
		sc.stoppingAt = derefTime(t.StoppingAt)
		sc.Containers = containers(t.Containers)
		if sc.id != "" {
			seen[sc.id] = true
		}
		d.classifyTask(sc)
		d.noteHostGone(sc)
		d.all = append(d.all, sc)
	}
	for _, r := range d.snap.Running {
		if id := taskID(deref(r.TaskArn)); id != "" {
			seen[id] = true // running: whatever an event says, it did not stop
		}
	}
	for _, h := range d.opt.History {
		id := taskID(h.TaskArn)
		if id == "" || seen[id] || h.StoppedAt.IsZero() {
			continue
		}
		seen[id] = true
		sc := &stopCase{Stop: h, id: id, confidence: ConfidenceMedium}
		sc.Source = "history"
		if sc.Cause == "" {
			sc.Cause = CauseUnknown
			sc.confidence = ConfidenceLow
		}
		sc.Containers = append([]Container{}, h.Containers...)
		for _, c := range sc.Containers {
			if strings.HasPrefix(c.Reason, "OutOfMemoryError") {
				sc.oomReason = true
			}
			if c.ExitCode != nil && (sc.exitCode == nil || *sc.exitCode == 0) {
				sc.container, sc.exitCode = c.Name, c.ExitCode
			}
		}
		sc.why = append(sc.why, Evidence{Source: SourceHistory, At: h.StoppedAt,
			Fact: "ecsmedic recorded this stop when it happened, as " + sc.Cause})
		d.all = append(d.all, sc)
	}
	for i := range d.events {
		e := &d.events[i]
		if e.Kind != evStopped {
			continue
		}
		for _, id := range e.TaskIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			sc := &stopCase{id: id}
			sc.TaskArn = d.taskArn(id)
			sc.StoppedAt = e.At
			sc.Source = "events"
			sc.Containers = []Container{}
			sc.why = append(sc.why, Evidence{Source: SourceEvents, At: e.At, Fact: "the service event says: " + e.Message})
			d.inferFromEvents(sc, ConfidenceLow)
			d.all = append(d.all, sc)
		}
	}
	sort.SliceStable(d.all, func(i, j int) bool {
		if !d.all[i].StoppedAt.Equal(d.all[j].StoppedAt) {
			return d.all[i].StoppedAt.After(d.all[j].StoppedAt)
		}
		return d.all[i].TaskArn < d.all[j].TaskArn
	})
}

// chooseWindow sets the window and picks the stops in it.
func (d *diag) chooseWindow() {
	d.to = d.now
	d.from = d.now.Add(-defaultWindow)
	var only *stopCase
	if d.opt.TaskID != "" {
		want := taskID(d.opt.TaskID)
		for _, s := range d.all {
			if s.id == want {
				only = s
				break
			}
		}
	}
	switch {
	case !d.opt.Since.IsZero():
		d.from = d.opt.Since
	case len(d.all) > 0 && d.all[0].at().Before(d.from):
		d.from = d.all[0].at().Add(-preStop)
	}
	if only != nil {
		if only.at().Add(-preStop).Before(d.from) {
			d.from = only.at().Add(-preStop)
		}
		d.inWin = []*stopCase{only}
	} else if d.opt.TaskID == "" {
		for _, s := range d.all {
			if !s.StoppedAt.Before(d.from) && !s.StoppedAt.After(d.to) {
				d.inWin = append(d.inWin, s)
			}
		}
	}
	d.out.Window = Window{From: d.from, To: d.to}
	for _, s := range d.inWin {
		d.out.Stops = append(d.out.Stops, s.Stop)
	}
}

// decideVerdict takes the newest stop's cause, or judges the window as a
// whole when nothing stopped (rule 8).
func (d *diag) decideVerdict() {
	v := &d.out.Verdict
	v.Contributing = []string{}
	if len(d.inWin) > 0 {
		d.verdict = d.inWin[0]
		s := d.verdict
		v.Cause, v.Confidence = s.Cause, s.confidence
		d.out.Evidence = append(d.out.Evidence, s.why...)
		for _, m := range s.lacks {
			d.miss(m)
		}
		switch s.Source {
		case "events":
			d.miss(MissingAgedOutEvents)
		case "history":
			d.miss(MissingAgedOutHistory)
		}
		return
	}
	if d.opt.TaskID != "" {
		d.noSuchTask()
		return
	}
	d.windowWithoutStops()
}

func (d *diag) finish() Diagnosis {
	for _, s := range d.inWin {
		if s.Cause == CauseUnknown && s.Source == "ecs" && s.StoppedReason == "" {
			d.miss(MissingNoReason)
		}
	}
	d.out.Missing = append(d.out.Missing, d.snap.Missing...)
	sort.Strings(d.out.Verdict.Contributing)
	return d.out
}

// Small nil-safe readers for the SDK's pointer fields.

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func derefInt(p *int32, def int) int {
	if p == nil {
		return def
	}
	return int(*p)
}

// stoppedTime is when the task stopped, from the best field ECS filled.
func stoppedTime(t *ecstypes.Task) time.Time {
	for _, p := range []*time.Time{t.StoppedAt, t.ExecutionStoppedAt, t.StoppingAt} {
		if p != nil && !p.IsZero() {
			return *p
		}
	}
	return time.Time{}
}

// taskID is the last part of a task ARN (or the ID itself).
func taskID(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// taskArn rebuilds a task ARN from the cluster's, for stops only events
// remember; the bare ID when the cluster ARN is unknown.
func (d *diag) taskArn(id string) string {
	c := deref(d.snap.Cluster.ClusterArn)
	if c == "" {
		c = deref(d.snap.Service.ClusterArn)
	}
	if i := strings.Index(c, ":cluster/"); i >= 0 {
		return c[:i] + ":task/" + c[i+len(":cluster/"):] + "/" + id
	}
	return id
}

func clusterName(snap *aws.ServiceSnapshot) string {
	if n := deref(snap.Cluster.ClusterName); n != "" {
		return n
	}
	a := deref(snap.Service.ClusterArn)
	if a == "" {
		a = deref(snap.Cluster.ClusterArn)
	}
	return taskID(a)
}

func containers(in []ecstypes.Container) []Container {
	out := make([]Container, 0, len(in))
	for _, c := range in {
		out = append(out, Container{Name: deref(c.Name), ExitCode: c.ExitCode, Reason: deref(c.Reason)})
	}
	return out
}
