package explain

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/text"
)

// Pct formats a percentage the way the language writes it ("99 %", "99%").
func Pct(p text.Printer, v float64) string {
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

// Clock is a time of day in the data's own zone.
func Clock(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.Format("15:04:05")
}

// ShortID is the first eight characters of a task ID, as people say it.
func ShortID(arnOrID string) string {
	id := arnOrID
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 8 {
		id = id[:8]
	}
	return id
}

// CodeSafe keeps text from closing a Markdown code block early.
func CodeSafe(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "```", "'''"), "\r", "")
}

var arnPrefix = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:`)

// ShortARNs drops the service, Region and account from ARNs in AWS's
// messages: "targetgroup/api/0123…" is what people recognise.
func ShortARNs(s string) string { return arnPrefix.ReplaceAllString(s, "") }

// Bullets joins lines as a Markdown list.
func Bullets(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		b.WriteString("• " + l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Clip shortens s to at most n runes, marking the cut with "…".
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}
