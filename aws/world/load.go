package world

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ecsmedic/ecsmedic/internal/yamlpos"
)

// Version is the world-format version this package reads and writes.
const Version = 1

// Load reads and validates a world file. Problems come back as Errors, each
// with the file, the line and what is wrong.
func Load(path string) (*World, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the world file: %w", err)
	}
	defer f.Close()
	// A huge file is refused without being read; a pipe is read at most
	// one byte past the budget.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > maxFileSize {
		return nil, tooBig(path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the world file %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse is Load for data already in memory; name is used in messages.
func Parse(name string, data []byte) (*World, error) {
	if len(data) > maxFileSize {
		return nil, tooBig(name)
	}
	if n, line := countValues(data, maxValues); line > 0 {
		return nil, Errors{{File: name, Line: line, Message: fmt.Sprintf("the file holds more than %d values by line %d (%d so far); a world file may hold at most %d", maxValues, line, n, maxValues), Fix: shrinkHint}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: name, Message: "the file is empty; a world file needs at least `version: 1`"}}
		}
		return nil, Errors{yamlpos.Syntax(name, data, err)}
	}
	if err := checkTree(name, &doc); err != nil {
		return nil, Errors{*err}
	}
	if dups := yamlpos.Duplicates(name, &doc); len(dups) > 0 {
		return nil, Errors(dups)
	}
	p := &parser{file: name}
	w := p.world(&doc)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return w, nil
}

type parser struct {
	file string
	errs Errors
	// nodes remembers the YAML node of every top-level object, so that the
	// reference checks can point at a line.
	nodes map[string][]*yaml.Node
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	e := Error{File: p.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (p *parser) world(doc *yaml.Node) *World {
	root := resolve(doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	w := &World{}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "the top level must be a mapping of keys such as version, clusters and services, not a %s", kindName(root))
		return w
	}
	p.nodes = map[string][]*yaml.Node{}
	var haveVersion, haveNow bool
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		key := k.Value
		if kind, ok := objectKinds[key]; ok {
			list := p.objects(key, v, kind)
			*kind.field(w) = list
			continue
		}
		switch key {
		case "version":
			haveVersion = true
			var n int
			if v.Kind != yaml.ScalarNode || v.Decode(&n) != nil {
				p.errorf(v, "version", "expected the number 1, got %q", v.Value)
			} else if n != Version {
				p.errorf(v, "version", "unknown version %d: this ecsmedic reads version %d; upgrade ecsmedic or write the file as version %d", n, Version, Version)
			}
			w.Version = n
		case "now":
			haveNow = true
			t, ok := p.timestamp(v, "now")
			if ok {
				w.Now = t
			}
		case "region":
			w.Region = p.text(v, "region")
		case "accountId":
			w.AccountID = p.text(v, "accountId")
		case "externalId":
			w.ExternalID = p.text(v, "externalId")
		case "accounts":
			w.Accounts = p.accounts(v)
		case "metrics":
			w.Metrics = p.metrics(v)
		case "logs":
			w.Logs = p.logs(v)
		default:
			if w.Extra == nil {
				w.Extra = map[string]any{}
			}
			w.Extra[key] = p.anyValue(v, key)
		}
	}
	if !haveVersion {
		p.errorf(root, "version", "missing: a world file must start with `version: 1`")
	}
	p.checkReferences(w)
	if !haveNow {
		w.Now = latest(w)
	}
	p.checkAccounts(root, w)
	return w
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("value %q", n.Value)
	}
	return "node"
}

// text reads a scalar as text, whatever YAML thinks its type is: an account
// id or a cpu of 512 written without quotes is still text to AWS.
func (p *parser) text(n *yaml.Node, path string) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "expected text, got a %s", kindName(n))
		return ""
	}
	return n.Value
}

func (p *parser) timestamp(n *yaml.Node, path string) (time.Time, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if t, ok := parseTime(n.Value); ok {
			return t, true
		}
	}
	p.errorf(n, path, "expected a timestamp such as \"2024-04-17T13:33:05+09:00\" (RFC 3339) or epoch seconds, got %s", kindName(n))
	return time.Time{}, false
}

// parseTime accepts what the AWS CLI prints (RFC 3339, with or without
// fractions) and what the ECS wire sends (epoch seconds, maybe fractional).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err == nil && isNumber(s) {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).Round(time.Millisecond).UTC(), true
	}
	return time.Time{}, false
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot:
			dot = true
		case r == '-' && i == 0:
		default:
			return false
		}
	}
	return true
}

// latest is the newest timestamp anywhere in the world: the capture moment
// when the file does not say (docs/world-format.md, "Time").
func latest(w *World) time.Time {
	var max time.Time
	see := func(t time.Time) {
		if t.After(max) {
			max = t
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case time.Time:
			see(v)
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, k := range objectKindOrder {
		for _, o := range *objectKinds[k].field(w) {
			walk(o)
		}
	}
	for i := range w.Metrics {
		for pt := range w.Metrics[i].All() {
			see(pt.Timestamp)
		}
	}
	for _, l := range w.Logs {
		for _, e := range l.Events {
			see(e.Timestamp)
		}
	}
	return max
}

// anyValue converts a node with no known AWS type: numbers become int64 or
// float64, and a key that names a time and holds one becomes a time.Time.
func (p *parser) anyValue(n *yaml.Node, path string) any {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			m[k] = p.unknown(k, n.Content[i+1], path+"."+k)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			l[i] = p.anyValue(e, fmt.Sprintf("%s[%d]", path, i))
		}
		return l
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil
}

// unknown converts the value of a key the AWS model does not know (a field
// newer than this SDK, or a note). A key named like a time that holds an
// RFC 3339 text is taken as one, so that it is served as a timestamp.
func (p *parser) unknown(key string, n *yaml.Node, path string) any {
	n = resolve(n)
	if looksLikeTimeKey(key) && n.Kind == yaml.ScalarNode && !isNumber(n.Value) {
		if t, ok := parseTime(n.Value); ok {
			return t
		}
	}
	return p.anyValue(n, path)
}

func looksLikeTimeKey(k string) bool {
	return strings.HasSuffix(k, "At") || strings.HasSuffix(k, "Time") || strings.HasSuffix(k, "Timestamp")
}

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		_ = n.Decode(&b)
		return b
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
		var f float64
		_ = n.Decode(&f)
		return f
	case "!!float":
		var f float64
		_ = n.Decode(&f)
		return f
	}
	return n.Value
}

// sortedKeys is used where output order must be stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var timeType = reflect.TypeOf(time.Time{})
