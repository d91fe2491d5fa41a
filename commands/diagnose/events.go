package diagnose

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// eventKind sorts service events into what the rules need. ECS has worded
// its events two ways over the years: "(service NAME) has stopped …" now,
// "service NAME has stopped …" before; every pattern accepts both.
type eventKind int

const (
	evOther eventKind = iota
	evStopped
	evStarted
	evUnhealthy          // the load balancer said a target is unhealthy
	evContainerUnhealthy // "failed container health checks"
	evPlacement          // "was unable to place a task"
	evSteady
	evDeploymentCompleted
	evDeploymentFailed
	evRollback
	evDesiredCount // Application Auto Scaling "Message: Successfully set desired count to N"
	evDraining
)

// serviceEvent is one parsed DescribeServices event.
type serviceEvent struct {
	At      time.Time
	Kind    eventKind
	Message string
	TaskIDs []string // tasks the event names, if any
	Reason  string   // the "(reason …)" of an unhealthy event, the detail of a placement failure
	Count   int      // N of "set desired count to N", "has stopped N running tasks"
	Deploy  string   // ecs-svc/… of a deployment event
}

// Compiled once, and only run on messages a plain substring test has
// already picked: events are parsed on every diagnosis and regexps are the
// engine's main cost.
var (
	reUnhealthy  = regexp.MustCompile(`due to \(reason (.*?)\)\.?$`)
	reDeployDone = regexp.MustCompile(`\(deployment ([^)]+)\) deployment completed`)
	reDesired    = regexp.MustCompile(`^Message: Successfully set desired count to (\d+)`)
	reDeployID   = regexp.MustCompile(`\(deployment (ecs-svc/[0-9A-Za-z-]+)\)`)
)

// parseEvents turns service events into parsed ones, oldest first. Events
// without a time or a message are skipped: nothing can be said of them.
func parseEvents(in []ecstypes.ServiceEvent) []serviceEvent {
	out := make([]serviceEvent, 0, len(in))
	for _, e := range in {
		if e.CreatedAt == nil || e.Message == nil {
			continue
		}
		out = append(out, parseEvent(*e.CreatedAt, *e.Message))
	}
	// DescribeServices lists the newest first: reversing is enough then.
	if sort.SliceIsSorted(out, func(i, j int) bool { return out[i].At.After(out[j].At) }) {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	if !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].At.Before(out[j].At) }) {
		sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	}
	return out
}

func parseEvent(at time.Time, msg string) serviceEvent {
	ev := serviceEvent{At: at, Message: msg}
	has := func(sub string) bool { return strings.Contains(msg, sub) }
	switch {
	case strings.HasPrefix(msg, "Message: "):
		if reDesired.MatchString(msg) {
			ev.Kind = evDesiredCount
			ev.Count = atoiGroup(reDesired, msg)
		}
		return ev
	case serviceSays(msg) && countAfter(msg, "has stopped ", " running task", &ev.Count):
		ev.Kind = evStopped
	case has("is unhealthy in ") || has("failed ELB health checks in ("):
		ev.Kind = evUnhealthy
		if has("(reason ") {
			if m := reUnhealthy.FindStringSubmatch(msg); m != nil {
				ev.Reason = m[1]
			}
		}
	case has("ailed container health checks"):
		ev.Kind = evContainerUnhealthy
	case serviceSays(msg) && countAfter(msg, "has started ", " task", &ev.Count):
		ev.Kind = evStarted
	case has("was unable to place a task"):
		ev.Kind = evPlacement
		if i := strings.Index(msg, "was unable to place a task because "); i >= 0 {
			ev.Reason = strings.TrimSuffix(msg[i+len("was unable to place a task because "):], ".")
		}
	case has("has reached a steady state"):
		ev.Kind = evSteady
	case has(") deployment completed") && reDeployDone.MatchString(msg):
		ev.Kind = evDeploymentCompleted
		ev.Deploy = reDeployDone.FindStringSubmatch(msg)[1]
	case has("olling back to deployment"):
		ev.Kind = evRollback
	case has("eployment failed"):
		ev.Kind = evDeploymentFailed
	case has("has begun draining connections"):
		ev.Kind = evDraining
	}
	if ev.Deploy == "" && has("(deployment ") {
		if m := reDeployID.FindStringSubmatch(msg); m != nil {
			ev.Deploy = m[1]
		}
	}
	switch ev.Kind {
	case evStopped, evStarted, evUnhealthy, evContainerUnhealthy, evDraining:
		ev.TaskIDs = taskIDsIn(msg)
	}
	return ev
}

// serviceSays tells the scheduler's events, "(service NAME) …" or the older
// "service NAME …", from Auto Scaling's and others.
func serviceSays(msg string) bool {
	return strings.HasPrefix(msg, "(service ") || strings.HasPrefix(msg, "service ")
}

// countAfter reads the N of "has stopped N running tasks": key, digits,
// then tail. It stores N in n and says whether the message had that form.
func countAfter(msg, key, tail string, n *int) bool {
	i := strings.Index(msg, key)
	if i < 0 {
		return false
	}
	rest := msg[i+len(key):]
	j := 0
	for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
		j++
	}
	if j == 0 || !strings.HasPrefix(rest[j:], tail) {
		return false
	}
	v, err := strconv.Atoi(rest[:j])
	if err != nil {
		return false
	}
	*n = v
	return true
}

// taskIDsIn finds the IDs of "(task ID)" and the older "task ID": at least
// 8 letters, digits or dashes after "task ".
func taskIDsIn(msg string) []string {
	var ids []string
	for rest := msg; ; {
		i := strings.Index(rest, "task ")
		if i < 0 {
			return ids
		}
		rest = rest[i+len("task "):]
		n := 0
		for n < len(rest) && isIDByte(rest[n]) {
			n++
		}
		if n >= 8 {
			ids = append(ids, rest[:n])
		}
		rest = rest[n:]
	}
}

func isIDByte(c byte) bool {
	return c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func atoiGroup(re *regexp.Regexp, s string) int {
	m := re.FindStringSubmatch(s)
	if len(m) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// namesTask says whether the event names this task, and whether it names
// any task at all.
func (e *serviceEvent) namesTask(id string) (named, any bool) {
	for _, t := range e.TaskIDs {
		if t == id {
			return true, true
		}
	}
	return false, len(e.TaskIDs) > 0
}

// eventsBetween returns the events with from <= At <= to, oldest first.
func eventsBetween(evs []serviceEvent, from, to time.Time) []serviceEvent {
	lo := sort.Search(len(evs), func(i int) bool { return !evs[i].At.Before(from) })
	hi := lo
	for hi < len(evs) && !evs[hi].At.After(to) {
		hi++
	}
	return evs[lo:hi]
}

// lastEventBefore finds the newest event of kind k within d before t that
// does not name another task than id; nil when none.
func lastEventBefore(evs []serviceEvent, k eventKind, t time.Time, d time.Duration, id string) *serviceEvent {
	for i := len(evs) - 1; i >= 0; i-- {
		e := &evs[i]
		if e.At.After(t) {
			continue
		}
		if e.At.Before(t.Add(-d)) {
			break
		}
		if e.Kind != k {
			continue
		}
		if named, anyTask := e.namesTask(id); anyTask && !named && id != "" {
			continue
		}
		return e
	}
	return nil
}
