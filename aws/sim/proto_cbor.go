package sim

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// decodeCBOR reads a Smithy RPC v2 CBOR body into plain Go values:
// map[string]any, []any, string, int64, float64, bool, []byte, nil and
// time.Time for epoch timestamps (tag 1).
func decodeCBOR(r io.Reader) (map[string]any, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cannot read the request body: %w", err)
	}
	if len(b) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("the request body is not valid CBOR: %w", err)
	}
	m, ok := fromCBOR(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the request body must be a CBOR map, got %T", v)
	}
	return m, nil
}

func fromCBOR(v cbor.Value) any {
	switch v := v.(type) {
	case cbor.Uint:
		if v > math.MaxInt64 {
			return float64(v)
		}
		return int64(v)
	case cbor.NegInt:
		// NegInt(n) is -n; NegInt(0) stands for -2^64.
		if v == 0 || v > 1<<63 {
			return -float64(v)
		}
		return -int64(v-1) - 1
	case cbor.Slice:
		return []byte(v)
	case cbor.String:
		return string(v)
	case cbor.List:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = fromCBOR(e)
		}
		return out
	case cbor.Map:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = fromCBOR(e)
		}
		return out
	case *cbor.Tag:
		if v.ID == 1 {
			if t, err := cbor.AsTime(v); err == nil {
				return t.UTC()
			}
		}
		return fromCBOR(v.Value)
	case cbor.Bool:
		return bool(v)
	case cbor.Float32:
		return float64(v)
	case cbor.Float64:
		return float64(v)
	}
	return nil // Nil, Undefined
}

// encodeCBOR writes an RPC v2 CBOR answer.
func encodeCBOR(out map[string]any) ([]byte, error) {
	if out == nil {
		out = map[string]any{}
	}
	return cbor.Encode(toCBOR(plain(out))), nil
}

func toCBOR(v any) cbor.Value {
	switch v := v.(type) {
	case string:
		return cbor.String(v)
	case bool:
		return cbor.Bool(v)
	case int64:
		if v < 0 {
			return cbor.NegInt(uint64(-(v + 1)) + 1)
		}
		return cbor.Uint(v)
	case uint64:
		return cbor.Uint(v)
	case float64:
		return cbor.Float64(v)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: epochCBOR(v)}
	case xmlMap:
		return toCBOR(map[string]any(v))
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, e := range v {
			m[k] = toCBOR(e)
		}
		return m
	case []any:
		l := make(cbor.List, len(v))
		for i, e := range v {
			l[i] = toCBOR(e)
		}
		return l
	}
	return &cbor.Nil{}
}

// epochCBOR is t in epoch seconds: an integer when whole, else the float
// that smithy-go reads back (it truncates seconds*1e3) as the same
// millisecond.
func epochCBOR(t time.Time) cbor.Value {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return toCBOR(ms / 1000)
	}
	f := float64(ms) / 1e3
	for i := 0; i < 4 && int64(f*1e3) < ms; i++ {
		f = math.Nextafter(f, math.Inf(1))
	}
	return cbor.Float64(f)
}

// cborError is the RPC v2 error body; __type is the error's shape id.
func cborError(service string, e *APIError) []byte {
	ns := "com.amazonaws." + service
	if service == SvcCloudWatch {
		ns = "com.amazonaws.cloudwatch"
	}
	return cbor.Encode(cbor.Map{
		"__type":  cbor.String(ns + "#" + e.Code),
		"message": cbor.String(e.Message),
	})
}
