package sim

import (
	"encoding/json"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

func TestInputHelpers(t *testing.T) {
	in := map[string]any{
		"s":        "club",
		"i64":      int64(3),
		"f":        2.5,
		"fwhole":   float64(7),
		"qs":       "42",
		"qbad":     "4x",
		"qf":       " 1.5 ",
		"jn":       json.Number("9"),
		"t":        true,
		"qt":       "True",
		"qfalse":   "false",
		"list":     []any{"a", "b", int64(3), map[string]any{}},
		"empty":    []any{},
		"obj":      map[string]any{"k": "v"},
		"objs":     []any{map[string]any{"a": "1"}, "skip", map[string]any{"b": "2"}},
		"nil":      nil,
		"nan":      "NaN",
		"huge":     float64(1 << 60),
		"strSlice": []string{"x"},
	}
	t.Run("str", func(t *testing.T) {
		for key, want := range map[string]string{"s": "club", "i64": "3", "f": "2.5", "t": "true", "missing": "", "list": "", "jn": "9"} {
			if got := str(in, key); got != want {
				t.Errorf("str(%q) = %q, want %q", key, got, want)
			}
		}
	})
	t.Run("strs", func(t *testing.T) {
		tests := []struct {
			key  string
			want []string
		}{
			{"list", []string{"a", "b", "3"}},
			{"empty", []string{}},
			{"s", []string{"club"}},
			{"strSlice", []string{"x"}},
			{"missing", nil},
			{"obj", nil},
		}
		for _, tt := range tests {
			if diff := cmp.Diff(tt.want, strs(in, tt.key)); diff != "" {
				t.Errorf("strs(%q) (-want +got):\n%s", tt.key, diff)
			}
		}
	})
	t.Run("num", func(t *testing.T) {
		tests := []struct {
			key  string
			want float64
			ok   bool
		}{
			{"i64", 3, true}, {"f", 2.5, true}, {"qs", 42, true}, {"qf", 1.5, true},
			{"jn", 9, true}, {"qbad", 0, false}, {"nan", 0, false}, {"missing", 0, false}, {"t", 0, false},
		}
		for _, tt := range tests {
			got, ok := num(in, tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("num(%q) = %v, %v; want %v, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		}
	})
	t.Run("intOf", func(t *testing.T) {
		tests := []struct {
			key     string
			want    int64
			ok, err bool
		}{
			{"i64", 3, true, false}, {"fwhole", 7, true, false}, {"qs", 42, true, false}, {"jn", 9, true, false},
			{"f", 0, true, true}, {"qbad", 0, true, true}, {"huge", 0, true, true}, {"list", 0, true, true},
			{"missing", 0, false, false}, {"nil", 0, false, false},
		}
		for _, tt := range tests {
			got, ok, err := intOf(in, tt.key)
			if got != tt.want || ok != tt.ok || (err != nil) != tt.err {
				t.Errorf("intOf(%q) = %v, %v, %v; want %v, %v, err %v", tt.key, got, ok, err, tt.want, tt.ok, tt.err)
			}
		}
	})
	t.Run("boolean", func(t *testing.T) {
		tests := []struct {
			key      string
			want, ok bool
		}{{"t", true, true}, {"qt", true, true}, {"qfalse", false, true}, {"s", false, false}, {"missing", false, false}}
		for _, tt := range tests {
			got, ok := boolean(in, tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("boolean(%q) = %v, %v; want %v, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		}
	})
	t.Run("obj", func(t *testing.T) {
		if diff := cmp.Diff(map[string]any{"k": "v"}, obj(in, "obj")); diff != "" {
			t.Errorf("obj (-want +got):\n%s", diff)
		}
		if obj(in, "s") != nil || obj(in, "missing") != nil {
			t.Errorf("obj of a non-map should be nil")
		}
		want := []map[string]any{{"a": "1"}, {"b": "2"}}
		if diff := cmp.Diff(want, objs(in, "objs")); diff != "" {
			t.Errorf("objs (-want +got):\n%s", diff)
		}
		if objs(in, "s") != nil {
			t.Errorf("objs of a string should be nil")
		}
	})
}

func TestNewIDAndARN(t *testing.T) {
	tests := []struct {
		name  string
		w     *world.World
		want  string
		first string
	}{
		{"defaults", &world.World{}, "arn:aws:ecs:us-east-1:000000000000:task/club/x", "t-00000000000000000000000000000001"},
		{"world's own", &world.World{Region: "eu-west-1", AccountID: "123456789012"}, "arn:aws:ecs:eu-west-1:123456789012:task/club/x", "t-00000000000000000000000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.w, Options{Freeze: true})
			if got := s.arn("ecs", "task/club/x"); got != tt.want {
				t.Errorf("arn = %q, want %q", got, tt.want)
			}
			a, b := s.newID("t-"), s.newID("t-")
			if a != tt.first || a == b {
				t.Errorf("newID = %q then %q; want %q then something else", a, b, tt.first)
			}
		})
	}
}
