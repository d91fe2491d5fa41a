package diagnose

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The codes and the JSON are public: docs/causes.md and docs/why-json.md
// explain them to the people who read `why` output. These tests fail when
// the code gains a code or a field the docs do not explain yet.

// codePrefixes name the constant groups that are codes users see.
var codePrefixes = []string{"Cause", "Factor", "Confidence", "Action", "Missing", "Note"}

// codes returns every string constant of this package whose name starts
// with one of codePrefixes, read from the source so a new one cannot be
// forgotten.
func codes(t *testing.T) map[string]string {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) || !hasAnyPrefix(id.Name, codePrefixes) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[id.Name] = v
				}
			}
		}
	}
	return out
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/" + name)
	if err != nil {
		t.Fatalf("the docs are part of the interface: %v", err)
	}
	return string(b)
}

func TestCausesDocumented(t *testing.T) {
	doc := readDoc(t, "causes.md")
	cs := codes(t)
	for _, must := range []string{"CauseOOMKilled", "FactorLogFlood", "ActionScaleCPU", "MissingNoLogs", "NoteCPUShare", "ConfidenceHigh"} {
		if _, ok := cs[must]; !ok {
			t.Fatalf("the source scan did not find %s; is codePrefixes right?", must)
		}
	}
	for name, code := range cs {
		if !strings.Contains(doc, "`"+code+"`") {
			t.Errorf("docs/causes.md does not explain %s (`%s`)", name, code)
		}
	}
}

func TestWhyJSONDocumented(t *testing.T) {
	doc := readDoc(t, "why-json.md")
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[Diagnosis]().PkgPath() || seen[typ] {
			return
		}
		seen[typ] = true
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !strings.Contains(doc, "| `"+name+"` |") {
				t.Errorf("docs/why-json.md has no row for %s%s (`%s`)", path, f.Name, name)
			}
			walk(path+f.Name+".", f.Type)
		}
	}
	walk("", reflect.TypeFor[Diagnosis]())
	if len(seen) < 5 {
		t.Fatalf("walked only %d types of the answer", len(seen))
	}
}
