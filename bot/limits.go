package bot

import (
	"strings"
	"unicode/utf8"
)

// Discord's limits on one message, beyond the embed limits in package
// reply.
const (
	maxEmbeds     = 10
	maxContent    = 2000
	maxRows       = 5
	maxRowButtons = 5
	maxLabel      = 80
	maxFiles      = 10
	maxChoices    = 25 // autocomplete
	maxChoiceName = 100
)

// cut shortens s to at most n runes, marking the cut with "…" and closing
// a code block the cut left open, so Markdown still renders.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	if n == 1 {
		return "…"
	}
	r := []rune(s)
	const fence = "\n```"
	out := string(r[:n-1]) + "…"
	if strings.Count(out, "```")%2 == 1 {
		keep := n - 1 - utf8.RuneCountInString(fence)
		if keep < 0 {
			keep = 0
		}
		out = string(r[:keep]) + "…" + fence
		if strings.Count(out, "```")%2 == 1 { // the cut fell inside the opening fence
			out = strings.TrimRight(string(r[:keep]), "`") + "…"
		}
	}
	return out
}

func runes(s string) int { return utf8.RuneCountInString(s) }
