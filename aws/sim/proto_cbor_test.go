package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/google/go-cmp/cmp"
)

func TestCBORRoundTrip(t *testing.T) {
	in := map[string]any{
		"s": "club", "n": int64(-100), "big": int64(1) << 62, "min": int64(-1) << 63, "f": 99.5, "b": true,
		"l": []any{"a", int64(1)}, "m": map[string]any{"k": "v"}, "blob": []byte("x"),
	}
	b, err := encodeCBOR(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeCBOR(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	in["blob"] = "x" // a blob in output is written as text
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCBORTimestamps checks that every millisecond survives smithy-go's
// reading of tag 1, which truncates seconds*1e3.
func TestCBORTimestamps(t *testing.T) {
	base := time.Date(2026, 3, 14, 19, 42, 7, 0, time.UTC)
	for ms := range 1000 {
		want := base.Add(time.Duration(ms) * time.Millisecond)
		got, err := cbor.AsTime(&cbor.Tag{ID: 1, Value: epochCBOR(want)})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Fatalf("%v came back as %v", want, got)
		}
	}
}

func TestDecodeCBORErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"truncated", []byte{0xa1, 0x61}},
		{"not a map", cbor.Encode(cbor.List{cbor.Uint(1)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeCBOR(bytes.NewReader(tt.body)); err == nil {
				t.Error("want an error")
			}
		})
	}
}
