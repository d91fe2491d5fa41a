package aws

// MissingCode says, in a word, what kind of evidence could not be had. The
// gatherer's codes are here; commands/diagnose adds its own findings'.
type MissingCode string

// The gatherer's codes.
const (
	MissingAccessDenied MissingCode = "access-denied" // IAM refused the read
	MissingNotFound     MissingCode = "not-found"     // an optional resource does not exist
	MissingReadFailed   MissingCode = "read-failed"   // the read failed some other way
	MissingNoLogStream  MissingCode = "no-log-stream" // the task's logs cannot be found where ecsmedic looks
)

// Missing is one piece of evidence that could not be had: a read the
// gatherer was denied or did not find, or a gap the diagnosis noticed. It
// is the one list every renderer shows (chat, terminal, why --format json).
type Missing struct {
	Code   MissingCode
	Source string // what could not be read ("metrics", "logs of task …"); "" for a diagnosis's own finding
	Detail string // in English: "access denied for cloudwatch:GetMetricData"
}

// String is the entry in English, as one line.
func (m Missing) String() string {
	if m.Source == "" {
		return m.Detail
	}
	return m.Source + ": " + m.Detail
}

// Failed says the entry is a read that failed (denied or broken), which a
// reader should fix whatever the diagnosis concluded.
func (m Missing) Failed() bool { return m.Code == MissingAccessDenied || m.Code == MissingReadFailed }
