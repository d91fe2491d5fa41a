package diagnose

import (
	"encoding/json"

	"github.com/ecsmedic/ecsmedic/aws"
)

// diagnosisFields is Diagnosis without its JSON methods.
type diagnosisFields Diagnosis

// MarshalJSON writes Missing as the two lists `why --format json` has
// always had: "missing", the English lines, and "missingCodes", the code of
// each line at the same index.
func (d Diagnosis) MarshalJSON() ([]byte, error) {
	var lines, codes []string
	for _, m := range d.Missing {
		lines = append(lines, m.String())
		codes = append(codes, string(m.Code))
	}
	return json.Marshal(struct {
		diagnosisFields
		Missing      []string `json:"missing,omitempty"`
		MissingCodes []string `json:"missingCodes,omitempty"`
	}{diagnosisFields(d), lines, codes})
}

// UnmarshalJSON reads what MarshalJSON writes; a line without a code (as
// older versions wrote the gatherer's) keeps an empty one.
func (d *Diagnosis) UnmarshalJSON(b []byte) error {
	w := struct {
		*diagnosisFields
		Missing      []string `json:"missing"`
		MissingCodes []string `json:"missingCodes"`
	}{diagnosisFields: (*diagnosisFields)(d)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d.Missing = nil
	for i, line := range w.Missing {
		m := aws.Missing{Detail: line}
		if i < len(w.MissingCodes) {
			m.Code = aws.MissingCode(w.MissingCodes[i])
		}
		d.Missing = append(d.Missing, m)
	}
	return nil
}
