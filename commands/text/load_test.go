package text

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// reset forgets every parsed language, so a test sees what a fresh
// process does; parse stands in for parseLanguage.
func reset(parse func(lang string) *catalog) {
	catalogs = perLanguage(parse)
	localizers = perLanguage(newLocalizer)
	vocabularies = perLanguage(parseWords)
}

// countingParse is parseLanguage that counts its calls by language.
type countingParse struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingParse) parse(lang string) *catalog {
	c.mu.Lock()
	c.n[lang]++
	c.mu.Unlock()
	return parseLanguage(lang)
}

func (c *countingParse) count(lang string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[lang]
}

// TestOneLanguageParsesOne: an English command parses no Korean, not even
// for the vocabulary; a Korean printer parses Korean and the English it
// falls back on, each once.
func TestOneLanguageParsesOne(t *testing.T) {
	c := &countingParse{n: map[string]int{}}
	reset(c.parse)
	t.Cleanup(func() { reset(parseLanguage) })

	if got := New("en").T("help.title"); got != "ecsmedic commands" {
		t.Errorf("en help.title = %q", got)
	}
	if w := Words("alias.help"); !slices.Contains(w, "도움말") {
		t.Errorf("Words(alias.help) = %q, want the Korean words too", w)
	}
	New("en").Has("help.title")
	if c.count("en") != 1 || c.count("ko") != 0 {
		t.Fatalf("after English words, parsed en %d times and ko %d times, want 1 and 0", c.count("en"), c.count("ko"))
	}
	if New("ko").T("help.title") == "help.title" || !New("ko").Has("help.title") {
		t.Error("Korean printer has no help.title")
	}
	Preload()
	if c.count("en") != 1 || c.count("ko") != 1 {
		t.Errorf("after Korean words and Preload, parsed en %d times and ko %d times, want 1 and 1", c.count("en"), c.count("ko"))
	}
}

// TestLanguagesAtOnce: goroutines that ask for both languages at once
// (the bot answering people who read different ones) each get their own
// and share one parse of each (run with -race).
func TestLanguagesAtOnce(t *testing.T) {
	want := map[string]string{"en": New("en").T("help.title"), "ko": New("ko").T("help.title")}
	c := &countingParse{n: map[string]int{}}
	reset(c.parse)
	t.Cleanup(func() { reset(parseLanguage) })

	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := Languages[i%len(Languages)]
			p := New(l)
			if !p.Has("alias.help") || len(p.Words("alias.help")) == 0 || len(Words("word.quit")) == 0 {
				t.Errorf("%s: no vocabulary", l)
			}
			got[i] = p.T("help.title")
		}()
	}
	if i := len(IDs("ko")); i == 0 {
		t.Error("no Korean IDs")
	}
	wg.Wait()
	for i, s := range got {
		if l := Languages[i%len(Languages)]; s != want[l] {
			t.Errorf("goroutine %d (%s) got %q, want %q", i, l, s, want[l])
		}
	}
	if c.count("en") != 1 || c.count("ko") != 1 {
		t.Errorf("parsed en %d times and ko %d times, want once each", c.count("en"), c.count("ko"))
	}
}

// TestVocabularyInWordsFiles: the vocabulary is read from words.LANG.yaml
// alone, so an alias.* or word.* entry anywhere else would not be typed,
// and each entry must say in the words file what the printer renders.
func TestVocabularyInWordsFiles(t *testing.T) {
	for _, l := range Languages {
		p := New(l)
		words := vocabularies[l]()
		if len(words) == 0 {
			t.Fatalf("words.%s.yaml: no entries", l)
		}
		for id := range IDs(l) {
			if (strings.HasPrefix(id, "alias.") || strings.HasPrefix(id, "word.")) && words[id] == nil {
				t.Errorf("%s is not in words.%s.yaml: move it there, or the parser will not know it", id, l)
			}
		}
		for id, w := range words {
			if got := strings.Fields(p.T(id)); !slices.Equal(got, w) {
				t.Errorf("%s %s: the words file gives %q, the messages %q", l, id, w, got)
			}
		}
	}
}

// BenchmarkFirstWord is what a fresh process pays for its first word in
// one language (parse and bundle), and for the vocabulary alone.
func BenchmarkFirstWord(b *testing.B) {
	defer reset(parseLanguage)
	for _, l := range Languages {
		b.Run(l, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				reset(parseLanguage)
				New(l).T("help.title")
			}
		})
	}
	b.Run("words", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reset(parseLanguage)
			Words("alias.help")
		}
	})
}
