package redact

import "strings"

// maskPairs masks the value of each key=value, key: value and
// "key": "value" whose key names a secret (see secretKey). The key may have
// a prefix or suffix: DB_PASSWORD, X-Amz-Security-Token, client_secret_2.
// It is a scanner rather than a regular expression: Go's regexp took
// 80–170 µs on a long line for this rule alone, the scanner a few hundred
// nanoseconds.
func maskPairs(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' && s[i] != ':' {
			continue
		}
		if s[i] == ':' && strings.HasPrefix(s[i+1:], "//") {
			continue // a URL's scheme, not a key
		}
		if s[i] == ':' && (inARN(s, i) || strings.EqualFold(keyBefore(s, i), "secretsmanager")) {
			continue // an ARN's parts, or an IAM action: names, not values
		}
		if !secretKey(keyBefore(s, i)) {
			continue
		}
		// "key: value" and "key = value" have spaces; in "key= next=1"
		// the key has no value, and next is not it.
		v := i + 1
		if s[i] == ':' || (i > 0 && s[i-1] == ' ') {
			for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
				v++
			}
		}
		end, quote := valueEnd(s, v)
		if end == v {
			continue
		}
		inner := v
		if quote != 0 {
			inner++
		}
		if inner < len(s) && s[inner] == '[' {
			i = end - 1
			continue // masked already (by a rule before this one, or a second pass)
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:v])
		if quote != 0 {
			b.WriteByte(quote)
			b.WriteString(Mask)
			b.WriteByte(quote)
		} else {
			b.WriteString(Mask)
		}
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyBefore is the key that ends before the separator at sep: a run of
// letters, digits, '_', '-' and '.', maybe quoted, maybe followed by spaces.
func keyBefore(s string, sep int) string {
	j := sep
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'') {
		j--
	}
	k := j
	for k > 0 && isKeyByte(s[k-1]) {
		k--
	}
	return s[k:j]
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// secretKeyWords are the words that make a key a secret's name, lower case.
var secretKeyWords = []string{"password", "passwd", "pwd", "passphrase", "secret", "token", "credential", "signature"}

// keyPrefixes make "…key" a secret's name: api_key, access-key, privatekey.
var keyPrefixes = []string{"api", "access", "secret", "private", "session", "client", "auth"}

func secretKey(k string) bool {
	if k == "" {
		return false
	}
	for _, w := range secretKeyWords {
		if hasFold(k, w) {
			return true
		}
	}
	for _, p := range keyPrefixes {
		for _, sep := range []string{"", "_", "-"} {
			if hasFold(k, p+sep+"key") {
				return true
			}
		}
	}
	return false
}

// valueEnd finds the end of the value starting at v: a quoted string up to
// its closing quote, or a bare word up to a space or punctuation that ends
// values in logs, URLs and JSON. quote is the quote character, or 0.
func valueEnd(s string, v int) (end int, quote byte) {
	if v >= len(s) {
		return v, 0
	}
	if q := s[v]; q == '"' || q == '\'' {
		for e := v + 1; e < len(s); e++ {
			switch s[e] {
			case '\\':
				if q == '"' {
					e++
				}
			case q:
				return e + 1, q
			}
		}
		return len(s), q // cut short (a clipped line): mask to the end
	}
	e := v
	for e < len(s) && !strings.ContainsRune(" \t\r\n\"',;&)}]", rune(s[e])) {
		e++
	}
	return e, 0
}

// inARN reports whether the separator at sep is inside an ARN, whose
// colons part names (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME):
// a stop reason that names the secret a task could not fetch must keep
// the name, as the student needs it to grant access.
func inARN(s string, sep int) bool {
	j := sep
	for j > 0 && !strings.ContainsRune(" \t\r\n\"'(,[{=", rune(s[j-1])) {
		j--
	}
	return len(s)-j >= 4 && strings.EqualFold(s[j:j+4], "arn:")
}
