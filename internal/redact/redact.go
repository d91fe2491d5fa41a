// Package redact masks secrets and personal data in text that came from
// AWS (log lines, stop reasons, service events) before it is shown in a
// chat channel or a terminal. Application logs carry what they should not:
// access keys, bearer tokens, passwords in connection strings, users'
// e-mail addresses. A channel is read by everyone in it, and Discord keeps
// what was posted, so these are masked by default.
//
// The rules favour masking too much over too little: a masked word in a
// log line costs a reader little; a leaked key costs a rotation at least.
package redact

import (
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/lazyre"
)

// Masks put in place of what is removed. They hold no Markdown that Discord
// would act on (no *, _ or `), so they read the same in code blocks,
// embeds and terminals.
const (
	Mask      = "[redacted]"
	MaskEmail = "[email]"
	MaskKeyID = "[aws-key-id]"
	MaskJWT   = "[jwt]"
	MaskToken = "[discord-token]"
)

// Options choose what is masked besides secrets, which always are.
type Options struct {
	// KeepEmails leaves e-mail addresses as they are (the config's
	// `redact.emails: false`). They are masked by default: they name
	// people, and a chat channel is not the place for that.
	KeepEmails bool
}

// Redactor masks secrets in text. A nil *Redactor masks everything, the
// safe default.
type Redactor struct {
	keepEmails bool
}

// Default masks secrets and e-mail addresses.
var Default = New(Options{})

// New returns a Redactor for opt.
func New(opt Options) *Redactor {
	return &Redactor{keepEmails: opt.KeepEmails}
}

// The rules' expressions are compiled on first use: most text holds none
// of their markers (see String), and a command that never meets one does
// not pay ~1 ms at start-up to compile them.
var (
	// scheme://user:password@host: the password goes, the user stays (it
	// helps to see which account a service used).
	urlPassword = lazyre.New(`([A-Za-z][A-Za-z0-9+.\-]*://[^:/?#@\s]*):([^@/?#\s]+)@`)

	// Authorization: <scheme> <credentials>, as HTTP clients log headers.
	authHeader = lazyre.New(`(?i)(\bauthorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token|bot)\s+)?[^\s"',;]+`)
	// A bearer token anywhere else ("using Bearer abc…").
	bearer = lazyre.New(`(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*`)

	// A JSON Web Token: three base64url parts, the first two JSON objects
	// (which is why both start "eyJ").
	jwt = lazyre.New(`\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`)

	// AWS access key ids: long-term (AKIA) and temporary (ASIA).
	awsKeyID = lazyre.New(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)

	// An AWS secret access key after its name, even with only a space
	// between them (as `aws configure list` and some SDK debug logs print).
	awsSecret = lazyre.New(`(?i)(\b(?:aws_?)?secret_?access_?key["']?\s*[:=]?\s*["']?)[A-Za-z0-9/+]{40}\b`)

	// A Discord bot token: the bot's id in base64, a timestamp and an HMAC.
	discordToken = lazyre.New(`\b[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}\b`)
)

// String returns s with secrets masked (and e-mail addresses, unless kept).
// Text with nothing to mask comes back unchanged, without copying.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	// Cheap tests first: most lines hold none of the markers, and a
	// regular expression costs far more than a byte search.
	if strings.Contains(s, "://") {
		s = urlPassword().ReplaceAllString(s, "$1:"+Mask+"@")
	}
	if hasFold(s, "authorization") {
		s = authHeader().ReplaceAllStringFunc(s, func(m string) string {
			sub := authHeader().FindStringSubmatch(m)
			if sub[2] != "" {
				return sub[1] + sub[2] + " " + Mask
			}
			return sub[1] + Mask
		})
	}
	if hasFold(s, "bearer") {
		s = bearer().ReplaceAllString(s, "$1 "+Mask)
	}
	if strings.Contains(s, "eyJ") {
		s = jwt().ReplaceAllString(s, MaskJWT)
	}
	if strings.Contains(s, "AKIA") || strings.Contains(s, "ASIA") {
		s = awsKeyID().ReplaceAllString(s, MaskKeyID)
	}
	if hasFold(s, "secret") {
		s = awsSecret().ReplaceAllString(s, "${1}"+Mask)
	}
	if strings.ContainsAny(s, "=:") && hasSecretWord(s) {
		s = maskPairs(s)
	}
	if longRunBeforeDot(s, 24) {
		s = discordToken().ReplaceAllString(s, MaskToken)
	}
	if !r.keepsEmails() && strings.Contains(s, "@") {
		s = maskEmails(s)
	}
	return s
}

// longRunBeforeDot reports whether a dot follows n or more token bytes
// (letters, digits, _ and -): the first part of a Discord token does, and
// few other texts.
func longRunBeforeDot(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && run >= n:
			return true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-':
			run++
		default:
			run = 0
		}
	}
	return false
}

func (r *Redactor) keepsEmails() bool { return r != nil && r.keepEmails }

// secretWords are the key words secretPair looks for, lower case.
var secretWords = []string{"pass", "pwd", "secret", "token", "credential", "signature", "key"}

func hasSecretWord(s string) bool {
	for _, w := range secretWords {
		if hasFold(s, w) {
			return true
		}
	}
	return false
}

// hasFold reports whether s contains w, which is lower-case ASCII, in any
// case, without allocating.
func hasFold(s, w string) bool {
	n := len(w)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lower(s[i+j]) == w[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
