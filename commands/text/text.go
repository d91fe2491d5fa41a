// Package text holds every word ecsmedic says in chat, in English and Korean,
// as go-i18n message files embedded in the binary.
package text

import (
	"embed"
	"io/fs"
	"log/slog"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Messages live in LANG.yaml and, per feature, NAME.LANG.yaml (go-i18n
// takes the language from the file name), so features can keep their
// texts apart.
//
//go:embed *.yaml
var files embed.FS

// Languages are the supported locales, the default first.
var Languages = []string{"en", "ko"}

var (
	once   sync.Once
	bundle *i18n.Bundle
	ids    map[string]map[string]bool // lang → message IDs, for Has and tests
	locs   map[string]*i18n.Localizer // lang → its localizer, English behind
)

// langOf is the supported language a message file is for, or "".
func langOf(name string) string {
	parts := strings.Split(strings.TrimSuffix(name, ".yaml"), ".")
	lang := parts[len(parts)-1]
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return ""
}

func load() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	ids = map[string]map[string]bool{}
	locs = map[string]*i18n.Localizer{}
	for _, l := range Languages {
		locs[l] = i18n.NewLocalizer(bundle, l, "en")
	}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		name := e.Name()
		lang := langOf(name)
		if lang == "" {
			slog.Error("a message file must be named LANG.yaml or NAME.LANG.yaml", "file", name)
			continue
		}
		buf, err := files.ReadFile(name)
		if err != nil {
			slog.Error("reading embedded messages", "file", name, "err", err)
			continue
		}
		mf, err := bundle.ParseMessageFileBytes(buf, name)
		if err != nil {
			// The files are tested; a broken one must not take the bot down.
			slog.Error("parsing embedded messages", "file", name, "err", err)
			continue
		}
		if ids[lang] == nil {
			ids[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			ids[lang][m.ID] = true
		}
	}
}

// Preload parses the messages now; a command calls it in the background
// so that the parse overlaps its first AWS calls instead of following them.
func Preload() { once.Do(load) }

// Normalize maps a locale such as "ko-KR" or "KO" to a supported language,
// and anything else to "".
func Normalize(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	for _, s := range Languages {
		if l == s {
			return s
		}
	}
	return ""
}

// Printer says things in one language. The messages are parsed on its
// first word, not when it is made, so a command that makes one before its
// AWS calls does not wait for the parse before sending them.
type Printer struct {
	lang string
}

// New returns a Printer for lang, English when lang is not supported.
func New(lang string) Printer {
	l := Normalize(lang)
	if l == "" {
		l = "en"
	}
	return Printer{lang: l}
}

// Lang is the printer's language code.
func (p Printer) Lang() string {
	if p.lang == "" {
		return "en"
	}
	return p.lang
}

// Has reports whether the message exists in the printer's language or in
// English.
func (p Printer) Has(id string) bool {
	once.Do(load)
	return ids[p.Lang()][id] || ids["en"][id]
}

// T renders message id with template data given as name/value pairs:
// T("why.title", "Service", "backend"). A missing message yields its ID,
// so a gap shows up in tests instead of as an empty reply.
func (p Printer) T(id string, kv ...any) string {
	once.Do(load)
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				data[k] = kv[i+1]
			}
		}
	}
	s, err := locs[p.Lang()].Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		slog.Debug("message not rendered", "id", id, "lang", p.lang, "err", err)
		if s == "" {
			return id
		}
	}
	return s
}

// IDs lists the message IDs of one language, for tests.
func IDs(lang string) map[string]bool {
	once.Do(load)
	out := map[string]bool{}
	for id := range ids[lang] {
		out[id] = true
	}
	return out
}

// Words is a vocabulary entry of the printer's language: the words, split
// on spaces, that message id lists ("왜 원인"). People may type any of them.
func (p Printer) Words(id string) []string {
	if !p.Has(id) {
		return nil
	}
	return strings.Fields(p.T(id))
}

// Words is a vocabulary entry in every language, English first, each word
// once: what the chat accepts whatever language the user reads.
func Words(id string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range Languages {
		for _, w := range New(l).Words(id) {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
