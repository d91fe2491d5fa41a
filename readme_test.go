package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// notRun are the README's shell commands this test cannot run, by how they
// start, each with the reason. Every other command of a ```sh block runs.
// An entry that no longer matches any command fails the test, so the table
// stays what the README shows.
var notRun = []struct{ prefix, why string }{
	{"go test", "the test suite itself, which holds this test; benchmarks and fuzzing run for minutes"},
	{"CGO_ENABLED=0 go build", "compiles the whole module again (tens of seconds on 2 cores); this test runs the ecsmedic built for it, and CI's go vet compiles the same code"},
	{"docker ", "no Docker engine on the development machines or in CI"},
	{"AWS_PROFILE=club go run . why", "needs the club's AWS account; why runs against the simulator in this test and TestCLI"},
	{"aws ecr ", "deploys to a real AWS account; the simulator serves no ECR"},
	{"aws ssm ", "deploys to a real AWS account; the simulator serves no SSM"},
	{"aws iam ", "deploys to a real AWS account; the simulator serves no IAM"},
	{"aws ecs put-attributes ", "deploys to a real AWS account (it names no --endpoint-url, so it would reach AWS)"},
	{"aws ecs register-task-definition ", "deploys to a real AWS account (it names no --endpoint-url, so it would reach AWS)"},
	{"aws ecs create-service ", "deploys to a real AWS account (it names no --endpoint-url, so it would reach AWS)"},
	{"aws sqs ", "deploys to a real AWS account; the simulator serves no SQS"},
	{"aws events ", "deploys to a real AWS account; the simulator serves no EventBridge"},
	{"claude mcp add ", "Claude Code is not installed here; TestMCPServesTheClubsVerdict connects the SDK's client to the same command"},
}

// simAddr is where the README's simulator listens; the test starts it on a
// free port instead and puts that port into the commands.
const simAddr = "127.0.0.1:4566"

// readmeCommand is one command of a ```sh block: its text with the
// block's indentation removed and its continuation lines joined.
type readmeCommand struct {
	line int // where it starts in README.md
	text string
}

// readmeCommands reads the commands of README.md's ```sh blocks.
func readmeCommands(t *testing.T, path string) []readmeCommand {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out    []readmeCommand
		in     bool
		indent string
		cur    *readmeCommand
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		trimmed := strings.TrimSpace(raw)
		if !in {
			if trimmed == "```sh" {
				in, indent = true, raw[:len(raw)-len(strings.TrimLeft(raw, " \t"))]
			}
			continue
		}
		if trimmed == "```" {
			if cur != nil {
				t.Fatalf("README.md:%d: the command ends in a backslash at the end of its block", cur.line)
			}
			in = false
			continue
		}
		line := strings.TrimPrefix(raw, indent)
		if cur == nil {
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			cur = &readmeCommand{line: n}
		} else {
			cur.text += "\n"
		}
		cur.text += line
		if !strings.HasSuffix(line, "\\") {
			out = append(out, *cur)
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// whyNotRun is the reason a command is not run, or "".
func whyNotRun(cmd string, used map[string]bool) string {
	for _, n := range notRun {
		if strings.HasPrefix(cmd, n.prefix) {
			used[n.prefix] = true
			return n.why
		}
	}
	return ""
}

var simCmd = regexp.MustCompile(`^(ecsmedic|go run \.) sim( |$)`)

// TestREADMECommands runs every command of the README's ```sh blocks, as
// written, in order, in one shell in an empty directory, as a reader who
// follows the README would: `ecsmedic` is the binary under test, `go run .`
// runs it too, `ecsmedic sim` runs beside the others (as in a second
// terminal), and the aws CLI is Debian's. Nothing leaves the machine: a
// proxy that is not there stands in for the internet.
func TestREADMECommands(t *testing.T) {
	const aws = "/usr/bin/aws"
	if _, err := os.Stat(aws); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: .ci/run installs Debian's awscli package first", aws)
		}
		t.Skipf("%s not installed (apt-get install awscli); CI runs this test", aws)
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dir, bin := t.TempDir(), t.TempDir()
	// The README names files of the repository (config/, deploy/) from its
	// top folder; the commands see them there and write beside them.
	for _, sub := range []string{"config", "deploy", "docs"} {
		if err := os.Symlink(filepath.Join(repo, sub), filepath.Join(dir, sub)); err != nil {
			t.Fatal(err)
		}
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", asMain, self)
	if err := os.WriteFile(filepath.Join(bin, "ecsmedic"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir, "NO_COLOR=1", "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
		"https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9", "no_proxy=127.0.0.1,localhost",
	}

	cmds := readmeCommands(t, filepath.Join(repo, "README.md"))
	used := map[string]bool{}
	var script strings.Builder
	// `go run .` is the binary under test with the same arguments.
	script.WriteString(`go() { if [ "$1" = run ] && [ "$2" = . ]; then shift 2; ecsmedic "$@"; else echo "readme_test: 'go $*' is not run here" >&2; return 127; fi; }` + "\n")
	var sim string // the simulator's address, once started
	ran := map[int]readmeCommand{}
	for _, c := range cmds {
		if why := whyNotRun(c.text, used); why != "" {
			t.Logf("README.md:%d not run: %s", c.line, why)
			continue
		}
		if simCmd.MatchString(c.text) {
			sim = startSim(t, dir, env, c)
			continue
		}
		text := c.text
		if sim != "" {
			text = strings.ReplaceAll(text, simAddr, sim)
		}
		ran[c.line] = c
		// Each command's output between two marks, and its exit code; a
		// failure does not stop the rest, so one run shows every broken line.
		fmt.Fprintf(&script, "echo '@@line %d' >&2\n%s\n", c.line, text)
		fmt.Fprintf(&script, "echo \"@@done %d $?\" >&2\n", c.line)
	}
	for _, n := range notRun {
		if !used[n.prefix] {
			t.Errorf("readme_test.go: notRun lists %q, but no command of README.md's ```sh blocks starts so; remove the entry", n.prefix)
		}
	}

	// A guard against a command that hangs, not a measure of speed.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "/bin/bash", "-c", script.String())
	sh.Dir, sh.Env = dir, env
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands did not finish: %v\n%s", err, lastLines(string(out), 40))
	}
	done := 0
	for _, m := range regexp.MustCompile(`(?s)@@line (\d+)\n(.*?)@@done (\d+) (\d+)\n`).FindAllStringSubmatch(string(out), -1) {
		done++
		if m[4] == "0" {
			continue
		}
		var line int
		fmt.Sscan(m[1], &line)
		t.Errorf("README.md:%d: this command failed with exit %s when run as written (in a fresh folder that holds the repository's config/, deploy/ and docs/, after the commands above it):\n\n%s\n\nwhat it printed:\n%s\n\n"+
			"Fix the command in README.md so that it works as written. If it cannot run in a test (it needs a real AWS account, "+
			"Docker, a tool that is not installed), add how it starts to notRun in readme_test.go, with the reason.",
			line, m[4], ran[line].text, lastLines(m[2], 15))
	}
	if done != len(ran) {
		t.Errorf("%d of the README's %d commands reported back:\n%s", done, len(ran), lastLines(string(out), 40))
	}
}

// startSim starts the README's `ecsmedic sim` beside the other commands,
// on a free port, and returns the address it serves on once it listens.
func startSim(t *testing.T, dir string, env []string, c readmeCommand) string {
	t.Helper()
	// The port goes first, before any comment that ends the line.
	text := simCmd.ReplaceAllString(c.text, "$1 sim --addr 127.0.0.1:0 ")
	cmd := exec.Command("/bin/bash", "-c", `go() { shift 2; exec ecsmedic "$@"; }; exec `+text)
	cmd.Dir, cmd.Env = dir, env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	// The first line says where it serves: it is printed once it listens.
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("README.md:%d: `%s` did not start: %v\n%s", c.line, c.text, err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	m := regexp.MustCompile(`at http://(127\.0\.0\.1:\d+)`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("README.md:%d: `%s` printed %q, not where it serves", c.line, c.text, first)
	}
	return m[1]
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("(… %d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
