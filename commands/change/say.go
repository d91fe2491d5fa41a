package change

import (
	"sort"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/text"
)

// In says t in p's language, with prefix as the chat commands' prefix. An
// argument whose value starts with "@" is itself a message ID (a unit or a
// field name), said in the same language.
func (t Text) In(p text.Printer, prefix string) string {
	kv := []any{"Prefix", prefix}
	keys := make([]string, 0, len(t.Args))
	for k := range t.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := t.Args[k]
		if id, ok := strings.CutPrefix(v, "@"); ok && p.Has(id) {
			v = p.T(id)
		}
		kv = append(kv, k, v)
	}
	for k, sub := range t.Parts {
		kv = append(kv, k, sub.In(p, prefix))
	}
	return p.T(t.ID, kv...)
}

// english is t as the store and the audit keep it: in English, with the
// default prefix (the engine knows no chat).
func (e *Engine) english(t Text) string { return t.In(text.New("en"), "!") }

func (e *Engine) englishList(ts []Text) string {
	var out []string
	for _, t := range ts {
		out = append(out, e.english(t))
	}
	return strings.Join(out, "; ")
}

// FirstFailure is the reason of the plan's first failing check.
func FirstFailure(p *Plan) Text {
	for _, c := range p.Checks {
		if !c.Pass {
			return c.Reason
		}
	}
	return Text{}
}

// RevisionName is "family:N" of a task definition ARN.
func RevisionName(arn string) string { return revName(arn) }

// RevisionNumber is N of a task definition ARN or "family:N".
func RevisionNumber(arn string) int { return revNumber(arn) }
