package commands

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		optional bool
		want     Line
		err      error
	}{
		{"!why backend", false, Line{"why", []string{"backend"}}, nil},
		{"  !WHY   backend   5e1f6c3a  since 2h ", false, Line{"why", []string{"backend", "5e1f6c3a", "since", "2h"}}, nil},
		{"！why backend", false, Line{"why", []string{"backend"}}, nil}, // full-width prefix from a Korean IME
		{"! why backend", false, Line{"why", []string{"backend"}}, nil},
		{"/status", false, Line{"status", []string{}}, nil},
		{"why backend", true, Line{"why", []string{"backend"}}, nil},
		{"why backend", false, Line{}, ErrNotCommand},
		{"왜 backend", true, Line{"왜", []string{"backend"}}, nil},
		{"!why\u200bbackend", false, Line{"why", []string{"backend"}}, nil},
		{"!why\tbackend\r\n", false, Line{"why", []string{"backend"}}, nil},
		{"!logs \xffbackend", false, Line{"logs", []string{"backend"}}, nil},
		{"", true, Line{}, ErrEmpty},
		{"!", false, Line{}, ErrEmpty},
		{"   \u3000  ", true, Line{}, ErrEmpty},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, "!", tt.optional)
		if !errors.Is(err, tt.err) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, d)
		}
	}
}

func TestParseWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		service string
		want    WhyArgs
		errID   string
	}{
		{[]string{"backend"}, "backend", WhyArgs{}, ""},
		{[]string{"backend", "5e1f6c3a"}, "backend", WhyArgs{TaskID: "5e1f6c3a"}, ""},
		{[]string{"backend", "5E1F6C3A", "since", "2h"}, "backend", WhyArgs{TaskID: "5e1f6c3a", Since: 2 * time.Hour}, ""},
		{[]string{"backend", "since=90m"}, "backend", WhyArgs{Since: 90 * time.Minute}, ""},
		{[]string{"backend", "since", "2시간"}, "backend", WhyArgs{Since: 2 * time.Hour}, ""},
		{[]string{"backend", "1d"}, "backend", WhyArgs{Since: 24 * time.Hour}, ""},
		{[]string{"backend", "arn:aws:ecs:ap-northeast-2:1:task/codedang/5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"}, "backend",
			WhyArgs{TaskID: "5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"}, ""},
		{nil, "", WhyArgs{}, "usage.need_service"},
		{[]string{"backend", "since"}, "", WhyArgs{}, "usage.since_needs_value"},
		{[]string{"backend", "since", "soon"}, "", WhyArgs{}, "usage.bad_since"},
		{[]string{"backend", "since", "30d"}, "", WhyArgs{}, "usage.since_range"},
		{[]string{"backend", "since", "-2h"}, "", WhyArgs{}, "usage.since_range"},
		{[]string{"backend", "please"}, "", WhyArgs{}, "usage.unexpected"},
	}
	for _, tt := range tests {
		service, got, err := parseWhy(tt.args)
		if id := errID(err); id != tt.errID {
			t.Errorf("parseWhy(%q) error %q, want %q", tt.args, id, tt.errID)
			continue
		}
		if err == nil && (service != tt.service || got != tt.want) {
			t.Errorf("parseWhy(%q) = %q, %+v; want %q, %+v", tt.args, service, got, tt.service, tt.want)
		}
	}
}

func TestParseLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args  []string
		want  LogsArgs
		errID string
	}{
		{[]string{"backend"}, LogsArgs{}, ""},
		{[]string{"backend", "50"}, LogsArgs{Lines: 50}, ""},
		{[]string{"backend", "5000"}, LogsArgs{Lines: maxLogLines}, ""},
		{[]string{"backend", "5e1f6c3a", "100"}, LogsArgs{TaskID: "5e1f6c3a", Lines: 100}, ""},
		{[]string{"backend", "12345678"}, LogsArgs{TaskID: "12345678"}, ""},
		{[]string{"backend", "0"}, LogsArgs{}, "usage.bad_lines"},
		{[]string{"backend", "many"}, LogsArgs{}, "usage.unexpected"},
		{nil, LogsArgs{}, "usage.need_service"},
	}
	for _, tt := range tests {
		_, got, err := parseLogs(tt.args)
		if id := errID(err); id != tt.errID {
			t.Errorf("parseLogs(%q) error %q, want %q", tt.args, id, tt.errID)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("parseLogs(%q) = %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

func errID(err error) string {
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.id
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// FuzzParse: no line, however odd, may panic the parser or the argument
// readers, and a parsed command is never empty.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"!why backend", "!why backend 5e1f6c3a since 2h", "logs backend 100", "！상태", "", "!", "\xff\xfe", "/help why", "!why backend since 99999999999h"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, line string, optional bool) {
		l, err := Parse(line, "!", optional)
		if err != nil {
			return
		}
		if l.Command == "" {
			t.Fatalf("Parse(%q) gave an empty command", line)
		}
		_, _, _ = parseWhy(l.Args)
		_, _, _ = parseLogs(l.Args)
	})
}

// TestTaskID: an ID is 6 to 32 hex digits, in any case, or a task's ARN.
func TestTaskID(t *testing.T) {
	t.Parallel()
	id32 := "5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"
	tests := []struct{ in, want string }{
		{"5e1f6c", "5e1f6c"},
		{" 5E1F6C3A ", "5e1f6c3a"},
		{id32, id32},
		{"arn:aws:ecs:ap-northeast-2:1:task/club/" + id32, id32},
		{"5e1f6", ""},
		{id32 + "a", ""},
		{"5e1f6g", ""},
		{"backend", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := taskID(tt.in); got != tt.want {
			t.Errorf("taskID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
