package capture

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// appTextKeys are the fields of services, task definitions and tasks that
// carry the application's own text, which can hold what its logs do:
// commands and entry points (--password=…), Docker labels, log driver and
// volume driver options, stop reasons and container reasons (a connection
// string an app printed as it died), service events. Lower-case, so that world objects
// (camelCase) and decoded SDK JSON (PascalCase) match alike.
var appTextKeys = map[string]bool{
	"command": true, "entrypoint": true, "dockerlabels": true,
	"stoppedreason": true, "reason": true, "message": true, "rolloutstatereason": true,
	"options": true, "driveropts": true, "labels": true,
}

// pairKeys are the appTextKeys whose value is a map of name to value:
// Docker labels, a log driver's options (splunk-token, a firelens
// output's apikey) and a Docker volume's driver options and labels (a
// CIFS mount's password). A value is masked as "name=value", so one named
// like a secret loses it.
var pairKeys = map[string]bool{"dockerlabels": true, "options": true, "driveropts": true, "labels": true}

// maskAppText passes, in place, every string under an appTextKeys field of
// v (a world object or decoded JSON) through r, as a reply in chat does.
func maskAppText(v any, r *redact.Redactor) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if !appTextKeys[strings.ToLower(k)] {
				maskAppText(e, r)
				continue
			}
			if pairs, ok := e.(map[string]any); ok && pairKeys[strings.ToLower(k)] {
				for name, val := range pairs {
					if s, ok := val.(string); ok {
						pairs[name] = maskPair(name, s, r)
					}
				}
				continue
			}
			v[k] = maskStrings(e, r)
		}
	case []any:
		for _, e := range v {
			maskAppText(e, r)
		}
	}
}

// maskStrings masks a string or the strings of a list (a command).
func maskStrings(v any, r *redact.Redactor) any {
	switch v := v.(type) {
	case string:
		return r.String(v)
	case []any:
		for i, e := range v {
			v[i] = maskStrings(e, r)
		}
	}
	return v
}

func maskPair(name, val string, r *redact.Redactor) string {
	pair := name + "=" + val
	got := r.String(pair)
	if got == pair {
		return val
	}
	if rest, ok := strings.CutPrefix(got, name+"="); ok {
		return rest
	}
	return redact.Mask
}
