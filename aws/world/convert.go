package world

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

func (p *parser) objects(key string, n *yaml.Node, kind objectKind) []Object {
	var out []Object
	p.eachMapping(n, key, true, "a list of AWS objects (as `aws … --output json` prints them)", "an object (a mapping of fields)", func(e *yaml.Node, path string) {
		o, _ := p.typed(e, kind.typ, path, kind.extra).(map[string]any)
		out = append(out, o)
		p.nodes[key] = append(p.nodes[key], e)
	})
	return out
}

// eachMapping calls fn for each item of the list n, with its path
// (path[i]), reporting items that are not mappings as not `item`. A null
// list is an empty one when nullOK. The walk stops when the node budget is
// spent.
func (p *parser) eachMapping(n *yaml.Node, path string, nullOK bool, list, item string, fn func(e *yaml.Node, sub string)) {
	if n.Kind != yaml.SequenceNode {
		if !(nullOK && n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
			p.errorf(n, path, "expected %s, got a %s", list, kindName(n))
		}
		return
	}
	for i, e := range n.Content {
		e = resolve(e)
		sub := fmt.Sprintf("%s[%d]", path, i)
		if e.Kind != yaml.MappingNode {
			p.errorf(e, sub, "expected %s, got a %s", item, kindName(e))
			continue
		}
		fn(e, sub)
	}
}

// fieldIndex maps each struct's wire names, folded to lower case, to its
// fields. AWS's camelCase and PascalCase names are the Go field names with
// the first letter's case changed, so folding finds both.
var fieldIndex sync.Map // reflect.Type → map[string]reflect.StructField

func fieldsOf(t reflect.Type) map[string]reflect.StructField {
	if m, ok := fieldIndex.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && !f.Anonymous {
			m[strings.ToLower(f.Name)] = f
		}
	}
	fieldIndex.Store(t, m)
	return m
}

// typed converts n to the normalised generic form, checking it against the
// Go type t. Errors are recorded, and the offending value left out.
func (p *parser) typed(n *yaml.Node, t reflect.Type, path string, extra map[string]reflect.Type) any {
	n = resolve(n)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if t == timeType {
		tm, ok := p.timestamp(n, path)
		if !ok {
			return nil
		}
		return tm
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			p.errorf(n, path, "expected an object (a mapping of fields), got a %s", kindName(n))
			return nil
		}
		fields := fieldsOf(t)
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v := n.Content[i+1]
			sub := path + "." + k
			if xt, ok := extra[k]; ok {
				m[k] = p.typed(v, xt, sub, nil)
			} else if f, ok := fields[strings.ToLower(k)]; ok {
				m[k] = p.typed(v, f.Type, sub, nil)
			} else {
				m[k] = p.unknown(k, v, sub) // unknown keys are kept (AWS adds fields)
			}
		}
		return m
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // blobs arrive base64 encoded
			return p.text(n, path)
		}
		if n.Kind != yaml.SequenceNode {
			p.errorf(n, path, "expected a list, got a %s", kindName(n))
			return nil
		}
		l := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			l = append(l, p.typed(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), nil))
		}
		return l
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			p.errorf(n, path, "expected a mapping, got a %s", kindName(n))
			return nil
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			m[k] = p.typed(n.Content[i+1], t.Elem(), path+"."+k, nil)
		}
		return m
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			p.errorf(n, path, "expected text, got a %s", kindName(n))
			return nil
		}
		return n.Value
	case reflect.Bool:
		if n.Kind == yaml.ScalarNode {
			if b, err := strconv.ParseBool(n.Value); err == nil {
				return b
			}
		}
		p.errorf(n, path, "expected true or false, got %s", kindName(n))
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind == yaml.ScalarNode {
			if i, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, t.Bits()); err == nil {
				return i
			}
		}
		p.errorf(n, path, "expected a whole number, got %s", kindName(n))
		return nil
	case reflect.Float32, reflect.Float64:
		if n.Kind == yaml.ScalarNode {
			if f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err == nil {
				return f
			}
		}
		p.errorf(n, path, "expected a number, got %s", kindName(n))
		return nil
	}
	// Unions, documents and anything else the model leaves open.
	return p.anyValue(n, path)
}
