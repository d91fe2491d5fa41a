package sim

import (
	"bytes"
	"encoding/xml"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queryNamespaces are the XML namespaces of the awsQuery services.
var queryNamespaces = map[string]string{
	SvcELBv2:       "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
	SvcAutoScaling: "http://autoscaling.amazonaws.com/doc/2011-01-01/",
	SvcSTS:         "https://sts.amazonaws.com/doc/2011-06-15/",
	SvcCloudWatch:  "http://monitoring.amazonaws.com/doc/2010-08-01/",
}

// xmlMap is a map member of an awsQuery output (e.g. ELBv2 attributes
// are lists, but CloudWatch's and STS's few maps are not): it is written
// as <entry><key>k</key><value>v</value></entry> rather than as elements
// named for its keys. The JSON and CBOR encoders treat it as a map.
type xmlMap map[string]any

// maxQueryIndex bounds list indices, so that "X.member.99999999999" is
// kept as an odd map key rather than a list.
const maxQueryIndex = 1 << 20

// decodeQuery turns awsQuery parameters into nested input: dotted keys
// become maps, "X.member.N" lists (ordered by N) and "X.entry.N.key/value"
// maps. Scalars stay strings; "X=" (how SDKs send an empty list) becomes
// an empty list. Action and Version are not input.
func decodeQuery(form url.Values) map[string]any {
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != "Action" && k != "Version" && k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	root := map[string]any{}
	for _, k := range keys {
		v := ""
		if vs := form[k]; len(vs) > 0 {
			v = vs[0]
		}
		put(root, strings.Split(k, "."), v)
	}
	// The root is the input structure itself, never a list or map member.
	for k, v := range root {
		root[k] = shape(v)
	}
	return root
}

// put stores v at path; a map already at the path wins over a scalar.
func put(node map[string]any, path []string, v string) {
	for i, seg := range path {
		if i == len(path)-1 {
			if _, isMap := node[seg].(map[string]any); !isMap {
				if v == "" {
					node[seg] = []any{}
				} else {
					node[seg] = v
				}
			}
			return
		}
		next, ok := node[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[seg] = next
		}
		node = next
	}
}

// shape turns the raw tree's "member" and "entry" levels into lists and
// maps.
func shape(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if len(m) == 1 {
		if members, ok := m["member"].(map[string]any); ok {
			if idx, ok := indices(members); ok {
				out := make([]any, len(idx))
				for i, n := range idx {
					out[i] = shape(members[n])
				}
				return out
			}
		}
		if entries, ok := m["entry"].(map[string]any); ok {
			if idx, ok := indices(entries); ok {
				out := map[string]any{}
				for _, n := range idx {
					e, _ := entries[n].(map[string]any)
					k, ok := e["key"].(string)
					if !ok {
						continue
					}
					if val, ok := e["value"]; ok {
						out[k] = shape(val)
					} else {
						out[k] = ""
					}
				}
				return out
			}
		}
	}
	for k, e := range m {
		m[k] = shape(e)
	}
	return m
}

// indices returns m's keys in numeric order when all are list indices.
func indices(m map[string]any) ([]string, bool) {
	type kv struct {
		k string
		n int
	}
	l := make([]kv, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || n > maxQueryIndex || strconv.Itoa(n) != k {
			return nil, false
		}
		l = append(l, kv{k, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n < l[j].n })
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.k
	}
	return out, true
}

// encodeQuery writes an awsQuery answer:
// <OpResponse xmlns=NS><OpResult>…</OpResult><ResponseMetadata>…
func encodeQuery(service, op string, out map[string]any, reqID string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString("<" + op + "Response xmlns=\"" + queryNamespaces[service] + "\">")
	if out != nil {
		b.WriteString("<" + op + "Result>")
		writeXMLFields(&b, plain(out).(map[string]any))
		b.WriteString("</" + op + "Result>")
	}
	b.WriteString("<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + op + "Response>")
	return b.Bytes(), nil
}

func writeXMLFields(b *bytes.Buffer, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		writeXMLElement(b, k, m[k])
	}
}

func writeXMLElement(b *bytes.Buffer, name string, v any) {
	if !xmlName(name) {
		return // not representable; AWS member names always are
	}
	b.WriteString("<" + name + ">")
	writeXMLValue(b, v)
	b.WriteString("</" + name + ">")
}

func writeXMLValue(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case xmlMap:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString("<entry><key>")
			xmlText(b, k)
			b.WriteString("</key><value>")
			writeXMLValue(b, v[k])
			b.WriteString("</value></entry>")
		}
	case map[string]any:
		writeXMLFields(b, v)
	case []any:
		for _, e := range v {
			writeXMLElement(b, "member", e)
		}
	case time.Time:
		b.WriteString(v.UTC().Format("2006-01-02T15:04:05.000Z"))
	case string:
		xmlText(b, v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
}

func xmlText(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

func xmlName(s string) bool {
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.')
		if !ok {
			return false
		}
	}
	return s != ""
}

// queryError is awsQuery's error document.
func queryError(service string, e *APIError, reqID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	ns := queryNamespaces[service]
	if ns == "" {
		b.WriteString("<ErrorResponse>")
	} else {
		b.WriteString("<ErrorResponse xmlns=\"" + ns + "\">")
	}
	b.WriteString("<Error><Type>" + faultType(e.Status) + "</Type><Code>")
	xmlText(&b, e.Code)
	b.WriteString("</Code><Message>")
	xmlText(&b, e.Message)
	b.WriteString("</Message></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
	return b.Bytes()
}
