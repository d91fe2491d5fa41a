package explain

import (
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// The why reply's parts as plain lines, for a document that is not an
// embed (the post-mortem). Each is the same words the why reply shows, so
// the two never tell a different story.

// Headline is the why reply's title: "backend: stopped after …".
func Headline(p text.Printer, name string, d diagnose.Diagnosis) string { return whyTitle(p, name, d) }

// Story is the why reply's description: the cause in a sentence and the
// lesson, with d's times in loc.
func Story(p text.Printer, name string, d diagnose.Diagnosis, loc *time.Location) string {
	return whyDescription(p, name, inZone(d, loc))
}

// CauseName is the cause's short name ("Failed load-balancer health checks").
func CauseName(p text.Printer, cause string) string {
	return p.T("cause." + orUnknown(cause) + ".name")
}

// FactorName is a contributing factor in words, or its code.
func FactorName(p text.Printer, code string) string { return factorName(p, code) }

// Confidence is the verdict's confidence in words.
func Confidence(p text.Printer, d diagnose.Diagnosis) string {
	return lines(verdictField(p, d))[1]
}

// EvidenceLines are the numbers behind the verdict, as the why reply lists them.
func EvidenceLines(p text.Printer, d diagnose.Diagnosis) []string { return lines(evidenceField(p, d)) }

// RemedyLine is one remedy as the why reply words it, without its number.
func RemedyLine(p text.Printer, d diagnose.Diagnosis, i int) string {
	one := d
	one.Remedies = d.Remedies[i : i+1]
	l := lines(remediesField(p, one))[0]
	return strings.TrimPrefix(l, "1. ")
}

// NoteLines are the plain-language notes of the diagnosis.
func NoteLines(p text.Printer, d diagnose.Diagnosis) []string {
	if len(d.Notes) == 0 {
		return nil
	}
	return lines(notesField(p, d))
}

// lines splits a field's value into its lines, without the bullets.
func lines(f reply.Field) []string {
	var out []string
	for _, l := range strings.Split(f.Value, "\n") {
		if l = strings.TrimPrefix(l, "• "); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// MissingReport is what the why reply says could not be checked,
// without its introduction: with a confident verdict only the reads that
// failed.
func MissingReport(p text.Printer, d diagnose.Diagnosis) []string {
	if l := lines(missingField(p, d)); len(l) > 1 {
		return l[1:]
	}
	return nil
}

// SafeName is s as a file name: letters, digits, dash and underscore.
func SafeName(s string) string { return safeName(s) }
