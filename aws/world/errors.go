package world

import (
	"fmt"
	"strings"
)

// Error is one problem in a world file, with where it is.
type Error struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int
	Path   string // e.g. services[0].desiredCount
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	const most = 20
	var b strings.Builder
	fmt.Fprintf(&b, "the world file has %d problem(s):", len(es))
	for i, e := range es {
		if i == most {
			fmt.Fprintf(&b, "\n  … and %d more", len(es)-most)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}
