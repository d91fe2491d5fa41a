package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// decodeJSON reads an awsJson body. Whole numbers become int64, others
// float64. An empty body is an empty input, as SDKs send "{}" or nothing.
func decodeJSON(r io.Reader) (map[string]any, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cannot read the request body: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("the request body is not valid JSON: %w", err)
	}
	if d.More() {
		return nil, errors.New("the request body has data after its JSON object")
	}
	m, ok := fromJSON(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the request body must be a JSON object, got %T", v)
	}
	return m, nil
}

func fromJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = fromJSON(e)
		}
	case []any:
		for i, e := range v {
			v[i] = fromJSON(e)
		}
	}
	return v
}

// encodeJSON writes an awsJson answer; timestamps are epoch seconds with
// a millisecond fraction, as AWS sends them.
func encodeJSON(out map[string]any) ([]byte, error) {
	if out == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(toJSON(plain(out)))
}

func toJSON(v any) any {
	switch v := v.(type) {
	case time.Time:
		return json.Number(epochSeconds(v))
	case float64:
		// JSON has no NaN or infinities; Smithy's JSON protocols send
		// them as strings.
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "Infinity"
		case math.IsInf(v, -1):
			return "-Infinity"
		}
		return v
	case xmlMap:
		return toJSON(map[string]any(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = toJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = toJSON(e)
		}
		return out
	}
	return v
}

// epochSeconds formats t as seconds since 1970 with milliseconds.
func epochSeconds(t time.Time) string {
	ms := t.UnixMilli()
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	if ms%1000 == 0 {
		return sign + strconv.FormatInt(ms/1000, 10)
	}
	return fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
}

func jsonError(e *APIError) []byte {
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	return b
}
