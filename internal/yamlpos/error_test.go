package yamlpos

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"full", Error{File: "f.yaml", Line: 3, Column: 5, Path: "a.b", Message: "bad", Fix: "do this"}, "f.yaml:3:5: a.b: bad\n    fix: do this"},
		{"no line", Error{File: "f.yaml", Message: "empty"}, "f.yaml: empty"},
		{"several", Errors{{File: "f.yaml", Line: 1, Message: "one"}, {File: "f.yaml", Line: 2, Message: "two"}},
			"f.yaml has 2 problems:\nf.yaml:1: one\nf.yaml:2: two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	var one Error
	if !errors.As(Errors{{File: "x", Message: "m"}}, &one) || one.Message != "m" {
		t.Errorf("errors.As does not find the Error in Errors")
	}
}

func TestSyntaxAndDuplicates(t *testing.T) {
	data := []byte("a: 1\nb:\n\t- x\n")
	var n yaml.Node
	err := yaml.Unmarshal(data, &n)
	if err == nil {
		t.Fatal("tab indentation parsed")
	}
	e := Syntax("f.yaml", data, err)
	if e.Line != 3 || !strings.HasPrefix(e.Message, "this is not valid YAML") || !strings.Contains(e.Fix, "tabs") {
		t.Errorf("Syntax = %+v", e)
	}

	data = []byte("a: &m {x: 1, x: 2}\nb: *m\nc: 1\nc: 2\n")
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	got := Duplicates("f.yaml", &n)
	if len(got) != 2 || got[0].Line != 1 || got[0].Column != 14 || got[1].Line != 4 ||
		got[1].Message != `"c" is set twice; it was first set on line 3` {
		t.Errorf("Duplicates = %+v", got)
	}
}
