package world

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The built-in worlds ship inside the binary, so `ecsmedic demo` needs no
// file, no AWS account and no network.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtin loads a built-in world by name ("incident").
func Builtin(name string) (*World, error) {
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in world %q; there are: %s", name, strings.Join(BuiltinNames(), ", "))
	}
	return Parse("builtin:"+name, data)
}

// BuiltinNames lists the built-in worlds.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}
