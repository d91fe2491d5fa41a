package yamlpos

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecsmedic/ecsmedic/internal/lazyre"
)

// yaml.v3 reports a syntax error only as text ("yaml: line 3: …"); this is
// the one place that reads it, compiled on first use: every command links
// this package in, few meet a syntax error.
var lineRE = lazyre.New(`^yaml: line (\d+): (.*)$`)

// Syntax explains a YAML syntax error from yaml.v3, with the line split out
// and a fix for the usual causes.
func Syntax(file string, data []byte, err error) Error {
	msg := err.Error()
	e := Error{File: file, Message: strings.TrimPrefix(msg, "yaml: ")}
	if m := lineRE().FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = m[2]
	}
	e.Message = "this is not valid YAML: " + e.Message
	lines := strings.Split(string(data), "\n")
	hasTab := func(l int) bool {
		return l >= 1 && l <= len(lines) && strings.Contains(strings.TrimRight(lines[l-1], "\r"), "\t")
	}
	switch {
	case hasTab(e.Line) || hasTab(e.Line-1) || (e.Line == 0 && bytes.Contains(data, []byte("\n\t"))):
		e.Fix = "indent with spaces, never tabs: YAML does not allow tabs for indentation"
	case strings.Contains(msg, "mapping values are not allowed"):
		e.Fix = `a value that contains ": " must be in quotes; otherwise check this line's indentation`
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-'"):
		e.Fix = "check the indentation: the keys of one mapping (and the items of one list) must start in the same column"
	case strings.Contains(msg, "could not find expected ':'"):
		e.Fix = `each setting is "key: value" with a space after the colon; is a colon missing, or a quote not closed?`
	case strings.Contains(msg, "found undefined alias"), strings.Contains(msg, "unknown anchor"):
		e.Fix = "a value starting with * refers to an anchor (&name); put the value in quotes if it is plain text"
	case strings.Contains(msg, "found character that cannot start any token"):
		e.Fix = "a value starting with @ or ` must be in quotes"
	default:
		e.Fix = "check the quotes and the indentation on this line and the line before it"
	}
	return e
}

// Duplicates reports every key set twice in one mapping, at the second
// one. YAML forbids them, and a reader that keeps the last silently drops
// what the first one said. Each node is visited once, so aliases cost
// nothing.
func Duplicates(file string, root *yaml.Node) []Error {
	var out []Error
	seen := map[*yaml.Node]bool{}
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		if n.Kind == yaml.MappingNode {
			first := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
					continue
				}
				if f, dup := first[k.Value]; dup {
					out = append(out, Error{File: file, Line: k.Line, Column: k.Column,
						Message: fmt.Sprintf("%q is set twice; it was first set on line %d", k.Value, f.Line),
						Fix:     "keep one of the two and delete the other"})
					continue
				}
				first[k.Value] = k
			}
		}
		if n.Kind != yaml.AliasNode {
			stack = append(stack, n.Content...)
		}
	}
	Sort(out)
	return out
}
