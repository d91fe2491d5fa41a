package explain

import (
	"strings"
	"unicode/utf8"

	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// Limits on buttons, beyond the embed limits in package reply.
const (
	MaxButtons     = 25
	MaxButtonLabel = 80
)

// FitAll is Fit of each message.
func FitAll(ms []reply.Message) []reply.Message {
	for i := range ms {
		ms[i] = Fit(ms[i])
	}
	return ms
}

// Fit cuts a message to Discord's limits, at line ends where it can, marking
// every cut with "…" and keeping code blocks closed.
func Fit(m reply.Message) reply.Message {
	m.Title = Clip(oneLine(m.Title), reply.MaxTitle)
	m.Description = cutText(m.Description, reply.MaxDescription)
	m.Footer = Clip(m.Footer, reply.MaxFooter)
	if len(m.Fields) > reply.MaxFields {
		m.Fields = m.Fields[:reply.MaxFields]
	}
	for i := range m.Fields {
		m.Fields[i].Name = Clip(oneLine(m.Fields[i].Name), reply.MaxFieldName)
		m.Fields[i].Value = cutText(m.Fields[i].Value, reply.MaxFieldValue)
	}
	// Over the Total: shorten the longest field until it fits, then drop
	// the last fields (the least important come last).
	for Total(m) > reply.MaxTotal {
		over := Total(m) - reply.MaxTotal
		li, ln := -1, 0
		for i, f := range m.Fields {
			if n := utf8.RuneCountInString(f.Value); n > ln {
				li, ln = i, n
			}
		}
		switch {
		case li >= 0 && ln > 200:
			m.Fields[li].Value = cutText(m.Fields[li].Value, max(200, ln-over-8))
		case len(m.Fields) > 0:
			m.Fields = m.Fields[:len(m.Fields)-1]
		default:
			m.Description = cutText(m.Description, max(1, utf8.RuneCountInString(m.Description)-over-8))
		}
	}
	if len(m.Buttons) > MaxButtons {
		m.Buttons = m.Buttons[:MaxButtons]
	}
	for i := range m.Buttons {
		m.Buttons[i].Label = Clip(m.Buttons[i].Label, MaxButtonLabel)
	}
	return m
}

// Total counts what Discord counts against an embed's total.
func Total(m reply.Message) int {
	n := utf8.RuneCountInString(m.Title) + utf8.RuneCountInString(m.Description) + utf8.RuneCountInString(m.Footer)
	for _, f := range m.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cutText shortens s to at most n runes, at a line end when one is near,
// closing a code block the cut left open.
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	const fence = "\n```"
	budget := n - len("\n…") - len(fence)
	if budget < 1 {
		return Clip(s, n)
	}
	r := []rune(s)[:budget]
	cut := string(r)
	if i := strings.LastIndex(cut, "\n"); i > len(cut)/2 {
		cut = cut[:i]
	}
	if strings.Count(cut, "```")%2 == 1 {
		return cut + "\n…" + fence
	}
	return cut + "\n…"
}

// clipBytes shortens s to at most n bytes without splitting a rune.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 3 {
		return ""
	}
	s = s[:n-3] // "…" is three bytes
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
