package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
)

// sdkService is the import path prefix of the AWS SDK's service packages.
const sdkService = "github.com/aws/aws-sdk-go-v2/service/"

// skipped are the module's packages that serve AWS APIs or test against an
// emulator rather than call AWS for the bot.
var skipped = map[string]bool{
	"github.com/ecsmedic/ecsmedic/aws/sim":       true,
	"github.com/ecsmedic/ecsmedic/aws/motocheck": true,
}

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Export     string
	Module     *struct{ Main bool }
}

// goList runs `go list -deps -export -json` on the module: the module's
// packages with their source files, and every package's export data, so
// that go/types can check the module's code without x/tools.
var goList = sync.OnceValues(func() ([]listedPackage, error) {
	args := []string{"list", "-deps", "-export", "-json=ImportPath,Dir,GoFiles,Export,Module"}
	// Ask for the export data of the build this test binary came from:
	// under go test -race it is already in the build cache, and a build
	// without -race would compile the module and the SDK a second time.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	cmd := exec.Command("go", append(args, "./...")...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
})

// awsCall is one AWS operation the code can call, and where.
type awsCall struct {
	Package, Operation string // the SDK package (ecs, sqs, …) and the operation
	Pos                string
}

// typeChecker type-checks Go source against the export data `go list`
// reported.
type typeChecker struct {
	fset *token.FileSet
	imp  types.Importer
}

func newTypeChecker(t *testing.T) (*typeChecker, []listedPackage) {
	t.Helper()
	pkgs, err := goList()
	if err != nil {
		t.Fatal(err)
	}
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	return &typeChecker{fset: fset, imp: imp}, pkgs
}

// calls type-checks one package's files and returns every AWS operation
// they can call: each use of a function or method that takes a
// *<SDK service>.<Op>Input and is declared in an SDK service package (client
// methods, paginators, waiters) or is an interface method (a narrow client
// interface such as watch.SQSClient), called or passed as a method value.
func (tc *typeChecker) calls(t *testing.T, path string, files []*ast.File) []awsCall {
	t.Helper()
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: tc.imp}
	if _, err := conf.Check(path, tc.fset, files, info); err != nil {
		t.Fatalf("type-checking %s: %v", path, err)
	}
	var out []awsCall
	for id, obj := range info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok {
			continue
		}
		if pkg, op, ok := operation(fn); ok {
			out = append(out, awsCall{Package: pkg, Operation: op, Pos: tc.fset.Position(id.Pos()).String()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

// codeCalls is every AWS operation the module's code (but sim and
// motocheck, and no test files) can call.
func codeCalls(t *testing.T) []awsCall {
	t.Helper()
	tc, pkgs := newTypeChecker(t)
	var calls []awsCall
	for _, p := range pkgs {
		if p.Module == nil || !p.Module.Main || skipped[p.ImportPath] {
			continue
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(tc.fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		calls = append(calls, tc.calls(t, p.ImportPath, files)...)
	}
	return calls
}

// operation is the SDK package and operation fn stands for, if any.
func operation(fn *types.Func) (pkg, op string, ok bool) {
	sig := fn.Type().(*types.Signature)
	inSDK := fn.Pkg() != nil && strings.HasPrefix(fn.Pkg().Path(), sdkService)
	onInterface := false
	if recv := sig.Recv(); recv != nil {
		_, onInterface = recv.Type().Underlying().(*types.Interface)
	}
	if !inSDK && !onInterface {
		return "", "", false
	}
	params := sig.Params()
	for i := range params.Len() {
		ptr, isPtr := params.At(i).Type().(*types.Pointer)
		if !isPtr {
			continue
		}
		named, isNamed := ptr.Elem().(*types.Named)
		if !isNamed || named.Obj().Pkg() == nil {
			continue
		}
		path, name := named.Obj().Pkg().Path(), named.Obj().Name()
		if !strings.HasPrefix(path, sdkService) || !strings.HasSuffix(name, "Input") {
			continue
		}
		return strings.TrimPrefix(path, sdkService), strings.TrimSuffix(name, "Input"), true
	}
	return "", "", false
}
