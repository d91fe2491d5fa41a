package text

import (
	"log/slog"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The vocabulary is what people type: the commands' names, the units of a
// look-back, on and off. The command parser accepts it in every language
// whatever the reply's, so it is read on its own from words.LANG.yaml
// (every alias.* and word.* entry lives there, TestVocabularyInWordsFiles),
// and parsing a command parses no message file.

// parseWords reads one language's words file into its entries' words.
func parseWords(lang string) map[string][]string {
	name := "words." + lang + ".yaml"
	buf, err := files.ReadFile(name)
	if err != nil {
		slog.Error("reading embedded words", "file", name, "err", err)
		return nil
	}
	var raw map[string]string
	if err := yaml.Unmarshal(buf, &raw); err != nil {
		// The files are tested; a broken one must not take the bot down.
		slog.Error("parsing embedded words", "file", name, "err", err)
		return nil
	}
	out := make(map[string][]string, len(raw))
	for id, s := range raw {
		out[id] = strings.Fields(s)
	}
	return out
}

// Words is a vocabulary entry of the printer's language, or English's when
// that lacks it: the words, split on spaces, that entry lists ("왜 원인").
// People may type any of them.
func (p Printer) Words(id string) []string {
	if w, ok := vocabularies[p.Lang()]()[id]; ok {
		return slices.Clone(w)
	}
	return slices.Clone(vocabularies["en"]()[id])
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
