// Package yamlpos holds the one shape of a problem in a YAML file that a
// person wrote (the config, a world file): where it is, what is wrong and
// how to put it right.
package yamlpos

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a YAML file.
type Error struct {
	File   string
	Line   int // 1-based; 0 when the problem is not on one line
	Column int // 1-based; 0 when unknown
	Path   string
	// Message says what is wrong, Fix how to put it right ("" when the
	// message says it).
	Message, Fix string
}

func (e Error) Error() string { return e.Format("") }

// Format writes e as "file:line:col: kind path: message" and the fix on a
// line of its own; kind is "" for an error, "warning: " for a warning.
func (e Error) Format(kind string) string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(kind)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Fix != "" {
		b.WriteString("\n    fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors are all the problems found in one file, in line order.
type Errors []Error

// shown bounds the problems one message lists: past that, the file is
// probably not the kind the reader expected.
const shown = 20

func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no problems"
	case 1:
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s has %d problems:", es[0].File, len(es))
	for i, e := range es {
		if i == shown {
			fmt.Fprintf(&b, "\n… and %d more", len(es)-shown)
			break
		}
		b.WriteString("\n")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find each Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Sort puts es in file order, keeping the order of problems at one place.
func Sort(es []Error) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Column < es[j].Column
	})
}
