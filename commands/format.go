package commands

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/text"
)

// errNoAWS is a router built without an AWS connection.
var errNoAWS = errors.New("no AWS connection is configured")

// pct formats a percentage the way the language writes it ("99 %", "99%").
func pct(p text.Printer, v float64) string {
	return p.T("unit.pct", "V", num(v))
}

// num prints a number with at most one decimal, and none when whole.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	r := math.Round(v*10) / 10
	if r == math.Trunc(r) {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// clock is a time of day in the data's own zone.
func clock(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.Format("15:04:05")
}

// shortID is the first eight characters of a task ID, as people say it.
func shortID(arnOrID string) string {
	id := arnOrID
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 8 {
		id = id[:8]
	}
	return id
}

// codeSafe keeps text from closing a Markdown code block early.
func codeSafe(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "```", "'''"), "\r", "")
}

var arnPrefix = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:`)

// shortARNs drops the service, Region and account from ARNs in AWS's
// messages: "targetgroup/api/0123…" is what people recognise.
func shortARNs(s string) string { return arnPrefix.ReplaceAllString(s, "") }

// bullets joins lines as a Markdown list.
func bullets(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		b.WriteString("• " + l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
