package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, and that what
// comes back is coherent: a config or a list of placed, worded problems.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(""))
	f.Add([]byte("discord: [\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("services: {backend: {<<: {service: x}}}\n"))
	f.Add([]byte("discord:\n  prefix: !\n  guildId: !!int 12\n"))
	f.Add([]byte(minimal + "guards: {limits: {cpu: {min: 0x100, max: 1e3}}}\n"))
	f.Add([]byte("services: {aaaa: {<<, {00000000}}}")) // yaml.v3 panicked on this
	f.Add([]byte("\"\r\r0"))
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "ecsmedic.example.yaml")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		getenv := env(map[string]string{"AWS_REGION": "ap-northeast-2"})
		cfg, err := parseDoc("fuzz.yaml", data, getenv)
		// YAML breaks lines at \n, \r and \r\n; count generously.
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 2
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v and error %v: want exactly one", cfg != nil, err)
		}
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("the error is not a list of problems: %T %v", err, err)
			}
			for _, e := range es {
				if e.Message == "" || e.Fix == "" || e.Line < 0 || e.Line > lines {
					t.Fatalf("a problem is badly placed or worded: %#v", e)
				}
			}
			_ = err.Error()
			return
		}
		for _, w := range cfg.Warnings() {
			if w.Message == "" || w.Line < 0 || w.Line > lines {
				t.Fatalf("a warning is badly placed or worded: %#v", w)
			}
		}
		if len(cfg.Services) == 0 || cfg.AWS.Cluster == "" || cfg.Guards.Limits.CPU.Min > cfg.Guards.Limits.CPU.Max {
			t.Fatalf("an invalid config passed: %+v", cfg)
		}
		for _, s := range cfg.Services {
			if got, ok := cfg.ServiceByAlias(s.Alias); !ok || got != s {
				t.Fatalf("ServiceByAlias(%q) = %+v, %v", s.Alias, got, ok)
			}
		}
		if cfg.Describe() == "" {
			t.Fatal("an empty description")
		}
	})
}
