package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// An export is JSON lines: a header line, then one record a line. It is
// engine-neutral, so it moves a store from bbolt to DynamoDB and back
// (`ecsmedic store export | import`, docs/store.md).
//
//	{"ecsmedicExport":1,"at":"…","counts":{…}}
//	{"change":{…}}
//	{"audit":{…}}
//	{"stop":{…}}
//	{"kv":{"key":"…","value":"…"}}
//
// Service locks are not written: import takes them again for the changes
// still in flight. Leases are not written: a replica takes them anew.

// SecretPrefix marks keys of the small state that are secrets (the
// replicas' shared button key): an export, a file people copy around,
// leaves them out.
const SecretPrefix = "secret:"

// ExportVersion is the header's format version.
const ExportVersion = 1

type exportHeader struct {
	Version int            `json:"ecsmedicExport"`
	At      time.Time      `json:"at"`
	Counts  map[string]int `json:"counts"`
}

type exportLine struct {
	Change *Change       `json:"change,omitempty"`
	Audit  *AuditRecord  `json:"audit,omitempty"`
	Stop   *StopRecord   `json:"stop,omitempty"`
	KV     *exportedPair `json:"kv,omitempty"`
}

type exportedPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Counts is how many records of each kind an export or import moved.
type Counts map[string]int

func (c Counts) String() string {
	return fmt.Sprintf("%d changes, %d audit records, %d stops, %d schedule keys", c["changes"], c["audit"], c["stops"], c["kv"])
}

// Export writes every change, audit record, stop and key of e to w.
func Export(e Engine, w io.Writer, now time.Time) (Counts, error) {
	changes, err := e.Changes(ChangeFilter{})
	if err != nil {
		return nil, fmt.Errorf("reading the changes: %w", err)
	}
	slices.Reverse(changes) // oldest first
	audit, err := e.AuditLog(time.Time{}, 0)
	if err != nil {
		return nil, fmt.Errorf("reading the audit log: %w", err)
	}
	stops, err := e.Stops("", "", time.Time{})
	if err != nil {
		return nil, fmt.Errorf("reading the stops: %w", err)
	}
	slices.Reverse(stops)
	pairs, err := e.Pairs()
	if err != nil {
		return nil, fmt.Errorf("reading the schedule keys: %w", err)
	}
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		if !strings.HasPrefix(k, SecretPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	n := Counts{"changes": len(changes), "audit": len(audit), "stops": len(stops), "kv": len(keys)}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(exportHeader{Version: ExportVersion, At: now.UTC(), Counts: n}); err != nil {
		return nil, err
	}
	for i := range changes {
		if err := enc.Encode(exportLine{Change: &changes[i]}); err != nil {
			return nil, err
		}
	}
	for i := range audit {
		if err := enc.Encode(exportLine{Audit: &audit[i]}); err != nil {
			return nil, err
		}
	}
	for i := range stops {
		if err := enc.Encode(exportLine{Stop: &stops[i]}); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if err := enc.Encode(exportLine{KV: &exportedPair{Key: k, Value: pairs[k]}}); err != nil {
			return nil, err
		}
	}
	return n, bw.Flush()
}

// ErrNotEmpty: an import into a store that already holds records, without
// ImportOptions.Merge.
var ErrNotEmpty = errors.New("the store is not empty")

// ImportOptions tune Import.
type ImportOptions struct {
	// Merge imports into a store that already has records: what it holds
	// already (a change id, an audit record, a stop, a key) is kept, so an
	// import run twice changes nothing the second time.
	Merge bool
}

// Import reads an export into e and takes the service locks of changes
// still in flight. It reads the whole export before writing anything, so
// a damaged file changes nothing.
func Import(e Engine, r io.Reader, opt ImportOptions) (Counts, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	var h exportHeader
	if err := dec.Decode(&h); err != nil || h.Version == 0 {
		return nil, fmt.Errorf("this is not an ecsmedic export (its first line should be the export's header): %v", err)
	}
	if h.Version > ExportVersion {
		return nil, fmt.Errorf("the export is format %d, newer than this ecsmedic reads (%d): import it with the ecsmedic that wrote it, or a newer one", h.Version, ExportVersion)
	}
	var lines []exportLine
	for line := 2; ; line++ {
		var l exportLine
		err := dec.Decode(&l)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d of the export is damaged (%v): nothing was imported", line, err)
		}
		lines = append(lines, l)
	}
	if !opt.Merge {
		if err := empty(e); err != nil {
			return nil, err
		}
	}
	seen, err := auditKeys(e)
	if err != nil {
		return nil, err
	}
	n := Counts{}
	var inFlight []Change
	for _, l := range lines {
		switch {
		case l.Change != nil:
			err := e.CreateChange(*l.Change)
			if errors.Is(err, ErrExists) {
				continue
			}
			if err != nil {
				return n, fmt.Errorf("importing change %s: %w", l.Change.ID, err)
			}
			n["changes"]++
			if !Finished(l.Change.Status) {
				inFlight = append(inFlight, *l.Change)
			}
		case l.Audit != nil:
			if seen[auditKey(*l.Audit)] {
				continue
			}
			if _, err := e.Audit(*l.Audit); err != nil {
				return n, fmt.Errorf("importing an audit record: %w", err)
			}
			n["audit"]++
		case l.Stop != nil:
			isNew, err := e.RecordStop(*l.Stop)
			if err != nil {
				return n, fmt.Errorf("importing the stop of %s: %w", l.Stop.TaskArn, err)
			}
			if isNew {
				n["stops"]++
			}
		case l.KV != nil:
			ok, err := e.Claim(l.KV.Key, l.KV.Value)
			if err != nil {
				return n, fmt.Errorf("importing the key %s: %w", l.KV.Key, err)
			}
			if ok {
				n["kv"]++
			}
		}
	}
	for _, c := range inFlight {
		if err := e.LockService(c.Cluster, c.Service, c.ID); err != nil {
			return n, fmt.Errorf("locking %s for change %s: %w", c.Service, c.ID, err)
		}
	}
	return n, nil
}

// empty refuses a store that holds changes, audit records or stops.
func empty(e Engine) error {
	cs, err := e.Changes(ChangeFilter{})
	if err != nil {
		return err
	}
	as, err := e.AuditLog(time.Time{}, 1)
	if err != nil {
		return err
	}
	ss, err := e.Stops("", "", time.Time{})
	if err != nil {
		return err
	}
	if len(cs)+len(as)+len(ss) > 0 {
		return fmt.Errorf("%w: it holds %d changes and %d stops, and an audit log; import into an empty store, or add --merge to keep what it has and add the rest",
			ErrNotEmpty, len(cs), len(ss))
	}
	return nil
}

// auditKey tells one audit record from another across stores, whose
// sequence numbers differ.
func auditKey(r AuditRecord) string {
	return r.At.UTC().Format(time.RFC3339Nano) + "\x00" + r.Event + "\x00" + r.ChangeID + "\x00" + r.Actor
}

func auditKeys(e Engine) (map[string]bool, error) {
	rs, err := e.AuditLog(time.Time{}, 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(rs))
	for _, r := range rs {
		out[auditKey(r)] = true
	}
	return out, nil
}
