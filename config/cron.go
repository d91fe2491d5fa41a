package config

import (
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"
)

// cronFields names the five fields of a cron expression, for the hints;
// the parser that runs the schedule (robfig's, through gocron) decides what
// is valid.
var cronFields = []struct {
	name   string
	values string
}{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day of month", "1-31"},
	{"month", "1-12 or JAN-DEC"},
	{"day of week", "0-6 (0 is Sunday) or SUN-SAT"},
}

var cronMacros = map[string]string{"@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
	"@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}

// checkCron checks a five-field cron expression with the parser the
// watcher's schedule uses (cron.ParseStandard), and words what it refuses
// for a person: which field is wrong and what it may hold.
func checkCron(s string) (msg, fix string) {
	const form = "five fields: minute hour day-of-month month day-of-week, such as \"0 9 * * *\" for 09:00 every day"
	f := strings.Fields(s)
	// ParseStandard reads these too, but the config keeps the time zone in
	// schedules.summary.timezone and the summary's description needs the
	// five fields.
	if len(f) > 0 && (strings.HasPrefix(f[0], "CRON_TZ=") || strings.HasPrefix(f[0], "TZ=")) {
		return "the cron has a time zone prefix", "remove " + f[0] + " and set schedules.summary.timezone instead"
	}
	if len(f) == 1 && strings.HasPrefix(f[0], "@") {
		if m, ok := cronMacros[strings.ToLower(f[0])]; ok {
			return fmt.Sprintf("%q is a shorthand ecsmedic does not read", s), fmt.Sprintf("write %q", m)
		}
	}
	switch {
	case len(f) == 6:
		return "the cron has six fields; ecsmedic's has no seconds field", "drop the first field, leaving " + form
	case len(f) != 5:
		return fmt.Sprintf("%q is not a cron expression", s), "write " + form
	}
	if _, err := cron.ParseStandard(strings.Join(f, " ")); err == nil {
		return "", ""
	}
	// The parser does not say which field it refused: try each alone.
	for i, field := range f {
		alone := []string{"*", "*", "*", "*", "*"}
		alone[i] = field
		if _, err := cron.ParseStandard(strings.Join(alone, " ")); err != nil {
			cf := cronFields[i]
			return fmt.Sprintf("the %s field %q is not valid (%v)", cf.name, field, err),
				fmt.Sprintf("the %s takes %s, lists (1,5), ranges that run forwards (1-5) and steps (*/15); write %s", cf.name, cf.values, form)
		}
	}
	return fmt.Sprintf("%q is not a cron expression", s), "write " + form
}
