package commands

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ecsmedic/ecsmedic/commands/text"
)

// Line is a parsed chat line: a command and its arguments.
type Line struct {
	Command string // lower case, without the prefix
	Args    []string
}

var (
	// ErrEmpty is a line with no command in it.
	ErrEmpty = errors.New("empty command")
	// ErrNotCommand is a line without the prefix where one is required: chat
	// that is not meant for the bot.
	ErrNotCommand = errors.New("not a command")
)

// maxLine bounds the work done on one chat line; Discord allows 4000.
const maxLine = 4000

// Parse splits a chat line into a command and its arguments. The prefix
// ("!") may be left out when prefixOptional (the terminal); a leading "/"
// (a typed slash command) is accepted too. Width variants are folded, so a
// Korean keyboard's "！why" works like "!why".
func Parse(line, prefix string, prefixOptional bool) (Line, error) {
	if len(line) > maxLine {
		line = line[:maxLine]
	}
	s := norm.NFKC.String(strings.ToValidUTF8(line, " "))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' ' // zero-width joiners, BOMs, tabs and such separate words
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if prefix == "" {
		prefix = "!"
	}
	p := norm.NFKC.String(prefix)
	switch {
	case strings.HasPrefix(s, p):
		s = s[len(p):]
	case strings.HasPrefix(s, "/"):
		s = s[1:]
	case !prefixOptional:
		return Line{}, ErrNotCommand
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return Line{}, ErrEmpty
	}
	return Line{Command: strings.ToLower(f[0]), Args: f[1:]}, nil
}

// usageError is a bad argument, worded by a message ID so it can be said in
// the user's language.
type usageError struct {
	id string
	kv []any
}

func (e *usageError) Error() string { return e.id }

func badArg(id string, kv ...any) error { return &usageError{id: id, kv: kv} }

// WhyArgs are the optional arguments of why.
type WhyArgs struct {
	TaskID string
	Since  time.Duration
}

// maxSince is how far back anyone may ask; AWS forgets stopped tasks after
// an hour and metrics at one-minute resolution after two weeks.
const maxSince = 14 * 24 * time.Hour

// parseWhy reads `SERVICE [TASK-ID] [since 2h]`.
func parseWhy(args []string) (string, WhyArgs, error) { return parseServiceSince("why", args, true) }

// parseServiceSince reads `SERVICE [since 2h]` for cmd, and a TASK-ID
// too when task is set.
func parseServiceSince(cmd string, args []string, task bool) (string, WhyArgs, error) {
	var w WhyArgs
	if len(args) == 0 {
		return "", w, badArg("usage.need_service", "Command", cmd)
	}
	service, rest := args[0], args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		low := strings.ToLower(a)
		switch {
		case low == "since" || low == "--since":
			if i+1 >= len(rest) {
				return "", w, badArg("usage.since_needs_value")
			}
			i++
			d, err := ParseSince(rest[i])
			if err != nil {
				return "", w, err
			}
			w.Since = d
		case strings.HasPrefix(low, "since="):
			d, err := ParseSince(a[len("since="):])
			if err != nil {
				return "", w, err
			}
			w.Since = d
		case task && w.TaskID == "" && taskID(a) != "":
			w.TaskID = taskID(a)
		default:
			if _, err := ParseSince(a); err == nil && w.Since == 0 {
				// "why backend 2h" is clear enough.
				d, _ := ParseSince(a)
				w.Since = d
				continue
			}
			return "", w, badArg("usage.unexpected", "Arg", a, "Command", cmd)
		}
	}
	return service, w, nil
}

// LogsArgs are the optional arguments of logs.
type LogsArgs struct {
	TaskID string
	Lines  int // 0 = the default
}

const (
	defaultLogLines = 20
	maxLogLines     = 100
)

// parseLogs reads `SERVICE [TASK-ID] [N]`.
func parseLogs(args []string) (string, LogsArgs, error) {
	var l LogsArgs
	if len(args) == 0 {
		return "", l, badArg("usage.need_service", "Command", "logs")
	}
	service := args[0]
	for _, a := range args[1:] {
		// A short number is a line count; task IDs are long hex strings.
		if n, err := strconv.Atoi(a); err == nil && len(a) <= 4 {
			if n <= 0 {
				return "", l, badArg("usage.bad_lines", "Arg", a, "Max", maxLogLines)
			}
			l.Lines = min(n, maxLogLines)
			continue
		}
		if id := taskID(a); id != "" && l.TaskID == "" {
			l.TaskID = id
			continue
		}
		return "", l, badArg("usage.unexpected", "Arg", a, "Command", "logs")
	}
	return service, l, nil
}

// sinceUnits are the words of a look-back's unit in every language
// (word.unit.* in commands/text), and sinceRE reads "2h" or "2 hours".
var (
	sinceOnce  sync.Once
	sinceUnits map[string]time.Duration
	sinceRE    *regexp.Regexp
)

func loadSinceUnits() {
	sinceUnits = map[string]time.Duration{}
	var alts []string
	for id, d := range map[string]time.Duration{
		"word.unit.second": time.Second, "word.unit.minute": time.Minute,
		"word.unit.hour": time.Hour, "word.unit.day": 24 * time.Hour,
	} {
		for _, w := range text.Words(id) {
			w = strings.ToLower(w)
			sinceUnits[w] = d
			alts = append(alts, regexp.QuoteMeta(w))
		}
	}
	// Longest first, so "hours" is not read as "h" and a stray "ours".
	sort.Slice(alts, func(i, j int) bool {
		return len(alts[i]) > len(alts[j]) || len(alts[i]) == len(alts[j]) && alts[i] < alts[j]
	})
	sinceRE = regexp.MustCompile(`^(\d{1,5})\s*(` + strings.Join(alts, "|") + `)$`)
}

// taskID returns the task ID in a, which may be an ID, a unique prefix of
// at least six characters, or a task ARN; "" when a is none of these.
func taskID(a string) string {
	s := strings.ToLower(strings.TrimSpace(a))
	if strings.HasPrefix(s, "arn:") && strings.Contains(s, ":task/") {
		s = s[strings.LastIndex(s, "/")+1:]
	}
	// 6 to 32 hex digits, checked in code: a regexp's {6,32} compiles
	// into 32 copies at every start.
	if len(s) >= 6 && len(s) <= 32 && strings.Trim(s, "0123456789abcdef") == "" {
		return s
	}
	return ""
}

// ParseSince reads a look-back such as 2h, 90m, 1h30m, 2d or "2" and the
// Korean word for hours, for
// the chat and for a front-end that has it as text (a slash command's
// option); its error is worded by Router.ErrorReply.
func ParseSince(a string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(a))
	sinceOnce.Do(loadSinceUnits)
	var d time.Duration
	if m := sinceRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		d = time.Duration(n) * sinceUnits[m[2]]
	} else if x, err := time.ParseDuration(s); err == nil {
		d = x
	} else {
		return 0, badArg("usage.bad_since", "Arg", a)
	}
	if d <= 0 || d > maxSince {
		return 0, badArg("usage.since_range", "Arg", a)
	}
	return d, nil
}

// keywords are the vocabulary entries of the guarded changes' arguments.
var keywords = []string{"word.on", "word.off", "word.memory", "word.count", "word.target"}

var (
	keywordOnce sync.Once
	keywordOf   map[string]string // any language's word → the English one
)

// keyword is a as the English word the commands switch on: "enable" and
// the Korean word for it are "on" (word.* in commands/text). Other words come back
// lower-cased.
func keyword(a string) string {
	keywordOnce.Do(func() {
		keywordOf = map[string]string{}
		for _, id := range keywords {
			ws := text.Words(id)
			for _, w := range ws {
				keywordOf[strings.ToLower(w)] = ws[0]
			}
		}
	})
	low := strings.ToLower(a)
	if k, ok := keywordOf[low]; ok {
		return k
	}
	return low
}
