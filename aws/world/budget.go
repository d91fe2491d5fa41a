package world

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// A world is one account's services, a few hours of metrics and the last
// log lines: the built-in incident is 80 KiB and about 6,000 values. The
// budgets leave a hundred times that, and refuse anything larger before it
// costs memory: a YAML tree takes some 200 bytes a value.
const (
	maxFileSize = 16 << 20 // bytes
	maxValues   = 500_000  // values, counted before the YAML tree is built
	maxExpanded = 500_000  // values once anchors are expanded
	// anchorGrowth bounds what anchors may add: a file may expand to ten
	// times its own values (at least expandedFloor), so a small file that
	// uses anchors for repeated task definitions loads, and a small file
	// of anchors referring to anchors does not become a big world.
	anchorGrowth  = 10
	expandedFloor = 10_000
	maxListLen    = 100_000 // items in one list (a metric's points, a stream's events)
)

// shrinkHint is what to do with a world that is too large.
const shrinkHint = "capture fewer services or a shorter window (ecsmedic capture --since 1h --log-lines 100), or split the file"

func tooBig(file string) Errors {
	return Errors{{File: file, Message: fmt.Sprintf("the file is over %d MiB; a world file may be at most %d MiB", maxFileSize>>20, maxFileSize>>20), Fix: shrinkHint}}
}

// countValues is an upper bound of the values (YAML nodes) data holds,
// counted over the bytes without building anything, so that a file of
// millions of values is refused before the YAML reader builds its tree.
// Every node starts on a line of its own or after one of "- ", ": ", ",",
// "[", "{", so counting those bounds the nodes (a flow mapping's key without
// a value makes two; hence the factor 2). It stops at the line where the
// count passes limit and returns that line.
func countValues(data []byte, limit int) (count, line int) {
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		l = bytes.TrimLeft(l, " \t")
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		count += 2
		for len(l) > 0 && l[0] == '-' && (len(l) == 1 || l[1] == ' ') {
			count += 2
			l = bytes.TrimLeft(l[1:], " ")
		}
		// Comments and quoted text are counted too: an over-count is
		// safe, and telling them apart needs a real tokenizer.
		for i, c := range l {
			switch c {
			case ',', '[', '{':
				count += 2
			case ':':
				if i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\r' {
					count += 2
				}
			}
		}
		if count > limit {
			return count, line
		}
	}
	return count, 0
}

// checkTree refuses, before any conversion, a tree whose anchors expand past
// maxExpanded values (a "billion laughs" file is small but expands
// exponentially) or that has a list longer than maxListLen. Each node is
// visited once: an anchor's expanded size is remembered.
func checkTree(file string, root *yaml.Node) *Error {
	// Only an anchored node can be reached twice (through its aliases), so
	// only those sizes are remembered: a map entry a value would double
	// what a large file costs to load.
	size := map[*yaml.Node]int{}
	nodes := 0
	var walk func(n *yaml.Node, depth int) (int, *Error)
	walk = func(n *yaml.Node, depth int) (int, *Error) {
		if n == nil {
			return 0, nil
		}
		if s, ok := size[n]; ok {
			return s, nil
		}
		nodes++
		if depth > 1000 {
			return 0, &Error{File: file, Line: n.Line, Column: n.Column, Message: "the file nests deeper than 1000 levels", Fix: "a world file is a few levels deep; check the indentation"}
		}
		if n.Kind == yaml.SequenceNode && len(n.Content) > maxListLen {
			return 0, &Error{File: file, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("this list has %d items; a list in a world file may have at most %d", len(n.Content), maxListLen),
				Fix:     shrinkHint}
		}
		total := 1
		if n.Kind == yaml.AliasNode {
			total = 0
			if n.Alias != nil {
				s, err := walk(n.Alias, depth+1)
				if err != nil {
					return 0, err
				}
				total = s
			}
		}
		for _, c := range n.Content {
			s, err := walk(c, depth+1)
			if err != nil {
				return 0, err
			}
			total += s
			if total > maxExpanded {
				break
			}
		}
		if total > maxExpanded {
			return 0, &Error{File: file, Line: n.Line, Column: n.Column,
				Message: fmt.Sprintf("with its anchors (&name) expanded where they are used (*name), the file holds more than %d values", maxExpanded),
				Fix:     "use each anchor a few times at most; a world file that refers to anchors that refer to anchors grows exponentially"}
		}
		if n.Anchor != "" {
			size[n] = total
		}
		return total, nil
	}
	total, err := walk(root, 0)
	if err != nil {
		return err
	}
	if limit := max(anchorGrowth*nodes, expandedFloor); total > limit {
		return &Error{File: file, Line: root.Line, Column: root.Column,
			Message: fmt.Sprintf("with its anchors (&name) expanded where they are used (*name), the file's %d values become %d; a world file may grow at most %d times so", nodes, total, anchorGrowth),
			Fix:     "use each anchor a few times at most; a world file that refers to anchors that refer to anchors grows exponentially"}
	}
	return nil
}
