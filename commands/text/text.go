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
// texts apart. The words people type live in words.LANG.yaml alone (see
// Words).
//
//go:embed *.yaml
var files embed.FS

// Languages are the supported locales, the default first.
var Languages = []string{"en", "ko"}

// Each language is parsed when it is first needed, not all at once: a
// one-shot command speaks one language, and parsing both cost it about
// 7 ms and 3.5 MB. Each is a sync.OnceValue, so goroutines may ask for
// several languages at once.
var (
	// catalogs[lang] is that language's parsed message files.
	catalogs = perLanguage(parseLanguage)
	// localizers[lang] renders that language, English behind it.
	localizers = perLanguage(newLocalizer)
	// vocabularies[lang] is that language's words file, by entry.
	vocabularies = perLanguage(parseWords)
)

func perLanguage[T any](f func(lang string) T) map[string]func() T {
	m := make(map[string]func() T, len(Languages))
	for _, l := range Languages {
		m[l] = sync.OnceValue(func() T { return f(l) })
	}
	return m
}

// catalog is one language's messages.
type catalog struct {
	tag  language.Tag
	msgs []*i18n.Message
	ids  map[string]bool // for Has and tests
}

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

// fileNames lists the message files by language, once.
var fileNames = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		name := e.Name()
		lang := langOf(name)
		if lang == "" {
			slog.Error("a message file must be named LANG.yaml or NAME.LANG.yaml", "file", name)
			continue
		}
		out[lang] = append(out[lang], name)
	}
	return out
})

var unmarshal = map[string]i18n.UnmarshalFunc{"yaml": yaml.Unmarshal}

func parseLanguage(lang string) *catalog {
	c := &catalog{tag: language.Make(lang), ids: map[string]bool{}}
	for _, name := range fileNames()[lang] {
		buf, err := files.ReadFile(name)
		if err != nil {
			slog.Error("reading embedded messages", "file", name, "err", err)
			continue
		}
		mf, err := i18n.ParseMessageFileBytes(buf, name, unmarshal)
		if err != nil {
			// The files are tested; a broken one must not take the bot down.
			slog.Error("parsing embedded messages", "file", name, "err", err)
			continue
		}
		c.msgs = append(c.msgs, mf.Messages...)
		for _, m := range mf.Messages {
			c.ids[m.ID] = true
		}
	}
	return c
}

// newLocalizer builds a bundle of its own for lang: a bundle is not safe
// to add to while another goroutine renders from it.
func newLocalizer(lang string) *i18n.Localizer {
	b := i18n.NewBundle(language.English)
	for _, l := range []string{"en", lang} {
		c := catalogs[l]()
		if err := b.AddMessages(c.tag, c.msgs...); err != nil {
			slog.Error("adding embedded messages", "lang", l, "err", err)
		}
	}
	return i18n.NewLocalizer(b, lang, "en")
}

// Preload parses the messages of langs now, every language when none is
// given; a command calls it in the background so that the parse overlaps
// its first AWS calls instead of following them.
func Preload(langs ...string) {
	if len(langs) == 0 {
		langs = Languages
	}
	for _, l := range langs {
		if f := localizers[Normalize(l)]; f != nil {
			f()
		}
	}
}

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
	return catalogs[p.Lang()]().ids[id] || catalogs["en"]().ids[id]
}

// T renders message id with template data given as name/value pairs:
// T("why.title", "Service", "backend"). A missing message yields its ID,
// so a gap shows up in tests instead of as an empty reply.
func (p Printer) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				data[k] = kv[i+1]
			}
		}
	}
	s, err := localizers[p.Lang()]().Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
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
	out := map[string]bool{}
	if c := catalogs[lang]; c != nil {
		for id := range c().ids {
			out[id] = true
		}
	}
	return out
}
