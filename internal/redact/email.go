package redact

import "strings"

// maskEmails replaces each e-mail address with MaskEmail: a local part of
// letters, digits and ._%+- before an @, and a domain of dotted labels
// ending in a top-level domain of two or more letters. Like maskPairs it
// scans by hand: the regular expression cost microseconds per line, and
// the built-in incident has an address in every tenth line.
func maskEmails(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		k := strings.IndexByte(s[i:], '@')
		if k < 0 {
			break
		}
		at := i + k
		start := at
		for start > last && isLocalByte(s[start-1]) {
			start--
		}
		end := domainEnd(s, at+1)
		if start == at || end == at+1 {
			i = at + 1
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(MaskEmail)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isLocalByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._%+-", c) >= 0
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// domainEnd is the end of the longest domain starting at d that has a dot
// and ends in a label of two or more letters; d when there is none.
func domainEnd(s string, d int) int {
	e := d
	for e < len(s) && isDomainByte(s[e]) {
		e++
	}
	// The whole run, then each shorter one that ends before a dot.
	for e > d {
		dot := strings.LastIndexByte(s[d:e], '.')
		if dot <= 0 {
			return d // no dot, or the domain starts with one
		}
		if tld := s[d+dot+1 : e]; len(tld) >= 2 && lettersOnly(tld) && s[d+dot-1] != '.' {
			return e
		}
		e = d + dot
	}
	return d
}

func lettersOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
