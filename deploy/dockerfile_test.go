package deploy

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// No Docker engine runs in CI, so the Dockerfile is checked as text: its
// stages and instructions, not a built image.

type instruction struct {
	Cmd  string // upper case: FROM, RUN, …
	Args string
	Line int
}

type stage struct {
	From  string
	Name  string
	Instr []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continued lines and dropping comments.
func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var stages []stage
	var cur strings.Builder
	start := 0
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		cmd, args, _ := strings.Cut(s, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			st := stage{From: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.Name = f[2]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			if in.Cmd != "ARG" {
				t.Errorf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			return
		}
		last := &stages[len(stages)-1]
		last.Instr = append(last.Instr, in)
	}
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Instr {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func (s stage) last(cmd string) (instruction, bool) {
	all := s.all(cmd)
	if len(all) == 0 {
		return instruction{}, false
	}
	return all[len(all)-1], true
}

func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(in.Args), &out); err != nil {
		t.Errorf("line %d: %s %s: want the exec (JSON) form: %v", in.Line, in.Cmd, in.Args, err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := parseDockerfile(t, string(b))
	if len(stages) < 2 {
		t.Fatalf("%d stage(s): want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	t.Run("build stage", func(t *testing.T) {
		// The golang images set GOTOOLCHAIN=local: the tag, not go.mod,
		// decides which Go (and which standard library fixes) the image has.
		if want := "golang:" + strings.TrimPrefix(goModToolchain(t), "go") + "-bookworm"; build.From != want {
			t.Errorf("build FROM %s: want %s, the toolchain go.mod names", build.From, want)
		}
		var goBuild string
		for _, r := range build.all("RUN") {
			if strings.Contains(r.Args, "go build") {
				goBuild = r.Args
			}
		}
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w -X main.version=`} {
			if !strings.Contains(goBuild, want) {
				t.Errorf("the go build step lacks %s: %q", want, goBuild)
			}
		}
	})

	t.Run("the README builds the same binary", func(t *testing.T) {
		readme, err := os.ReadFile("../README.md")
		if err != nil {
			t.Fatal(err)
		}
		// The commands are the lines of its code blocks; prose may name
		// a plain go build to compare.
		var builds []string
		inCode := false
		for _, line := range strings.Split(string(readme), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inCode = !inCode
				continue
			}
			if inCode && strings.Contains(line, "go build") {
				builds = append(builds, line)
			}
		}
		if len(builds) == 0 {
			t.Fatal("the README shows no go build command")
		}
		for _, b := range builds {
			for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags='-s -w'"} {
				if !strings.Contains(b, want) {
					t.Errorf("README: %q lacks %s, which the image's build uses", strings.TrimSpace(b), want)
				}
			}
		}
		if !strings.Contains(string(readme), "`"+build.From+"`") {
			t.Errorf("the README does not say the image builds with %s", build.From)
		}
	})

	t.Run("runtime stage", func(t *testing.T) {
		if final.From != "scratch" && !strings.HasPrefix(final.From, "gcr.io/distroless/static") {
			t.Errorf("runtime FROM %s: want distroless/static or scratch", final.From)
		}
		if final.From == "scratch" {
			copies := ""
			for _, c := range final.all("COPY") {
				copies += c.Args + "\n"
			}
			for _, want := range []string{"ca-certificates", "zoneinfo"} {
				if !strings.Contains(copies, want) {
					t.Errorf("FROM scratch without %s copied in", want)
				}
			}
		}
		user, ok := final.last("USER")
		if !ok {
			t.Fatal("no USER: the image would run as root")
		}
		if u, _, _ := strings.Cut(user.Args, ":"); u == "0" || u == "root" || u == "" {
			t.Errorf("USER %s: want a non-root user (65532)", user.Args)
		}
		if !regexp.MustCompile(`^(65532|nonroot)(:(65532|nonroot))?$`).MatchString(user.Args) {
			t.Errorf("USER %s: want 65532", user.Args)
		}
		hc, ok := final.last("HEALTHCHECK")
		if !ok {
			t.Fatal("no HEALTHCHECK")
		}
		_, cmd, found := strings.Cut(hc.Args, "CMD ")
		if !found || !slices.Equal(execForm(t, instruction{Cmd: "CMD", Args: cmd, Line: hc.Line}), []string{"/ecsmedic", "health"}) {
			t.Errorf("HEALTHCHECK %s: want CMD [\"/ecsmedic\", \"health\"] (no curl in the image)", hc.Args)
		}
		if ep, ok := final.last("ENTRYPOINT"); !ok || !slices.Equal(execForm(t, ep), []string{"/ecsmedic"}) {
			t.Errorf("ENTRYPOINT %q: want [\"/ecsmedic\"]", ep.Args)
		}
		if c, ok := final.last("CMD"); !ok || !slices.Equal(execForm(t, c), []string{"run"}) {
			t.Errorf("CMD %q: want [\"run\"]", c.Args)
		}
		labels := ""
		for _, l := range final.all("LABEL") {
			labels += l.Args + " "
		}
		for _, k := range []string{"title", "description", "source", "licenses", "version"} {
			if !strings.Contains(labels, "org.opencontainers.image."+k+"=") {
				t.Errorf("no LABEL org.opencontainers.image.%s", k)
			}
		}
		vol, ok := final.last("VOLUME")
		if !ok || !strings.Contains(vol.Args, "/var/lib/ecsmedic") {
			t.Errorf("VOLUME %q: want the store's /var/lib/ecsmedic", vol.Args)
		}
		env := ""
		for _, e := range final.all("ENV") {
			env += e.Args + " "
		}
		if !strings.Contains(env, "ECSMEDIC_CONFIG=/etc/ecsmedic/ecsmedic.yaml") {
			t.Errorf("ENV %q: want ECSMEDIC_CONFIG=/etc/ecsmedic/ecsmedic.yaml", env)
		}
	})

	t.Run("no secrets baked in", func(t *testing.T) {
		for _, st := range stages {
			for _, in := range st.Instr {
				if in.Cmd != "ENV" && in.Cmd != "ARG" {
					continue
				}
				for _, f := range strings.Fields(in.Args) {
					name, _, _ := strings.Cut(f, "=")
					if secretName.MatchString(name) {
						t.Errorf("line %d: %s %s: secrets come from the environment at run time, never the image", in.Line, in.Cmd, name)
					}
				}
			}
			for _, c := range st.all("COPY") {
				if strings.Contains(c.Args, "ecsmedic.yaml") || strings.Contains(c.Args, ".db") || strings.Contains(c.Args, ".key") {
					t.Errorf("line %d: COPY %s: no config, store or key in the image", c.Line, c.Args)
				}
			}
		}
	})

	t.Run("the ECS health check is the image's", func(t *testing.T) {
		var td taskDefinition
		readJSON(t, "task-definition.json", &td)
		for _, c := range td.ContainerDefinitions {
			if c.Name == "ecsmedic" && c.HealthCheck != nil && !slices.Equal(c.HealthCheck.Command[1:], []string{"/ecsmedic", "health"}) {
				t.Errorf("task definition health check %v differs from the image's", c.HealthCheck.Command)
			}
		}
	})
}

// goModToolchain is the Go release go.mod asks for: its toolchain line, or
// its go line when it has none.
func goModToolchain(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var goLine string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "toolchain" {
			return f[1]
		}
		if len(f) == 2 && f[0] == "go" {
			goLine = "go" + f[1]
		}
	}
	if goLine == "" {
		t.Fatal("go.mod has neither a toolchain nor a go line")
	}
	return goLine
}

func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, want := range []string{".git", "**/*.db", "**/*.key", "ecsmedic.yaml", ".env*"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

func TestParseDockerfile(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		stages int
		last   []string // the instructions of the last stage
	}{
		{"one stage", "FROM scratch\nCOPY a /a\n", 1, []string{"COPY"}},
		{"continued lines and comments", "ARG X=1\nFROM golang:1.26 AS build\nRUN a \\\n  # a comment\n  b\nFROM scratch\nUSER 1:1\n", 2, []string{"USER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := parseDockerfile(t, tt.text)
			if len(st) != tt.stages {
				t.Fatalf("%d stages, want %d", len(st), tt.stages)
			}
			var got []string
			for _, in := range st[len(st)-1].Instr {
				got = append(got, in.Cmd)
			}
			if !slices.Equal(got, tt.last) {
				t.Errorf("last stage %v, want %v", got, tt.last)
			}
		})
	}
}
