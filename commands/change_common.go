package commands

import (
	"strconv"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// ConsoleUser is the user ID of the person at the terminal chat: an
// operator console, who may approve their own changes. Discord user IDs are
// numbers, so they never collide with it.
const ConsoleUser = "terminal"

// ask is who acts in a change command, where, and whether it is a dry run.
func (in Input) ask(dryRun bool) change.Ask {
	return change.Ask{
		Actor: change.Actor{
			ID: in.User, Name: in.UserName, Roles: in.Roles,
			Console: in.Console || in.User == ConsoleUser,
		},
		DryRun:    dryRun,
		ChannelID: in.ChannelID,
	}
}

// changed hands a change command's outcome to the front-end that asked
// for it, and renders it.
func (r *Router) changed(c *call, o change.Outcome) []reply.Message {
	if c.in.OnChange != nil {
		c.in.OnChange(o)
	}
	return []reply.Message{r.ChangeReply(c.p.Lang(), o)}
}

// dryRunFlag takes --dry-run (or dry-run, --dry) out of the arguments.
func dryRunFlag(args []string) ([]string, bool) {
	var out []string
	dry := false
	for _, a := range args {
		switch strings.ToLower(a) {
		case "--dry-run", "dry-run", "--dry", "--dryrun", "dryrun", "--plan":
			dry = true
		default:
			out = append(out, a)
		}
	}
	return out, dry
}

// number reads a whole number argument such as "1024", "60%" or "30s".
func number(arg string) (int, error) {
	s := strings.TrimSpace(strings.ToLower(arg))
	for _, suf := range text.Words("word.number_suffix") {
		s = strings.TrimSuffix(s, suf)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badArg("usage.bad_number", "Arg", clip(arg, 40))
	}
	return n, nil
}

// badNumber refuses a typed request's number as number refuses a word.
func badNumber(n int) error { return badArg("usage.bad_number", "Arg", strconv.Itoa(n)) }

// changesReady answers when guarded changes cannot run here.
func (r *Router) changesReady(c *call, cmd string) *reply.Message {
	if r.env.Changes == nil {
		return &reply.Message{Title: c.p.T("change.error.title"), Description: c.p.T("change.not_configured"), Severity: reply.Warning, Failed: true}
	}
	if r.env.AWS == nil {
		m := r.errorReply(c.p, cmd, errNoAWS)
		return &m
	}
	return nil
}
