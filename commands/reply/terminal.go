package reply

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// TextOptions shape RenderText's output.
type TextOptions struct {
	Color   bool   // ANSI colour and bold; off for pipes and files
	Width   int    // wrap prose at this many columns; 0 = no wrapping
	SaveDir string // when set, attachments with data are written here
	// Redactor masks secrets quoted from AWS; nil masks everything,
	// e-mail addresses included.
	Redactor *redact.Redactor
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var sevColor = map[Severity]string{
	Info:     "\x1b[36m", // cyan
	OK:       "\x1b[32m", // green
	Warning:  "\x1b[33m", // yellow
	Critical: "\x1b[31m", // red
}

// sevMark keeps the severity visible without colour.
var sevMark = map[Severity]string{Info: "•", OK: "✔", Warning: "▲", Critical: "✖"}

var boldRE = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)

// RenderText renders a message for a terminal: the title, the severity as
// colour (or a mark), the fields, attachments as their text and buttons as
// numbered choices. It writes attachments to opt.SaveDir when set. Secrets
// quoted from AWS are masked first (opt.Redactor).
func RenderText(m Message, opt TextOptions) string {
	m = m.Redacted(opt.Redactor)
	var b strings.Builder
	style := func(code, s string) string {
		if !opt.Color || s == "" {
			return s
		}
		return code + s + ansiReset
	}
	prose := func(s string) string {
		return emphasis(dropFences(wrapText(s, opt.Width)), opt.Color)
	}

	mark := sevMark[m.Severity]
	if mark == "" {
		mark = sevMark[Info]
	}
	if m.Title != "" {
		b.WriteString(style(sevColor[m.Severity], mark) + " " + style(ansiBold, m.Title) + "\n")
	}
	if m.Description != "" {
		b.WriteString(prose(m.Description) + "\n")
	}
	for _, f := range m.Fields {
		v := strings.TrimRight(f.Value, "\n")
		if f.Inline && !strings.Contains(v, "\n") {
			b.WriteString("\n" + style(ansiBold, f.Name) + ": " + emphasis(v, opt.Color) + "\n")
			continue
		}
		b.WriteString("\n" + style(ansiBold, f.Name) + "\n")
		b.WriteString(indent(prose(v), "  ") + "\n")
	}
	for _, a := range m.Attachments {
		b.WriteString("\n")
		if a.Text != "" {
			b.WriteString(a.Text + "\n")
		}
		if opt.SaveDir != "" && len(a.Data) > 0 {
			path, err := save(opt.SaveDir, a)
			if err != nil {
				b.WriteString(style(sevColor[Warning], "could not save "+a.Name+": "+err.Error()) + "\n")
			} else {
				b.WriteString("saved " + path + "\n")
			}
		}
	}
	if len(m.Buttons) > 0 {
		b.WriteString("\n")
		for i, btn := range m.Buttons {
			label := btn.Label
			if label == "" {
				label = btn.ID
			}
			b.WriteString(fmt.Sprintf("  %s %s\n", style(ansiBold, fmt.Sprintf("[%d]", i+1)), label))
		}
	}
	foot := m.Footer
	if !m.DataTime.IsZero() {
		t := m.DataTime.Format("2006-01-02 15:04:05 MST")
		if foot != "" {
			foot += " · " + t
		} else {
			foot = t
		}
	}
	if foot != "" {
		b.WriteString("\n" + style(ansiDim, foot) + "\n")
	}
	return b.String()
}

// save writes one attachment under dir, keeping only the base of its name so
// a name can never point outside dir.
func save(dir string, a Attachment) (string, error) {
	name := filepath.Base(filepath.Clean("/" + a.Name))
	if name == "/" || name == "." || name == "" {
		name = "attachment"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, a.Data, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// emphasis turns **bold** into ANSI bold, or drops the stars without colour.
func emphasis(s string, color bool) string {
	if color {
		return boldRE.ReplaceAllString(s, ansiBold+"$1"+ansiReset)
	}
	return boldRE.ReplaceAllString(s, "$1")
}

// dropFences removes Markdown code fences: a terminal shows the lines as they
// are, and the fences would only be noise.
func dropFences(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// wrapText wraps prose at width display columns (Korean takes two), leaving
// code blocks alone: log lines must stay as they were written.
func wrapText(s string, w int) string {
	if w <= 0 {
		return s
	}
	var out []string
	inCode := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			out = append(out, line)
			continue
		}
		if inCode || displayWidth(line) <= w {
			out = append(out, line)
			continue
		}
		out = append(out, wrapLine(line, w)...)
	}
	return strings.Join(out, "\n")
}

func wrapLine(line string, w int) []string {
	// Continuation lines keep a list item's indentation.
	lead := len(line) - len(strings.TrimLeft(line, " "))
	pad := strings.Repeat(" ", lead)
	if strings.HasPrefix(strings.TrimLeft(line, " "), "- ") || strings.HasPrefix(strings.TrimLeft(line, " "), "• ") {
		pad += "  "
	}
	var out []string
	cur, curW := "", 0
	for _, word := range strings.Fields(line) {
		ww := displayWidth(word)
		switch {
		case cur == "":
			cur, curW = pad[:lead]+word, lead+ww
		case curW+1+ww > w:
			out = append(out, cur)
			cur, curW = pad+word, len(pad)+ww
		default:
			cur += " " + word
			curW += 1 + ww
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// displayWidth counts terminal columns: wide East Asian runes take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
