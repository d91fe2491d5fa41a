package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditRecord is one entry of the append-only audit log: a request,
// approval, rejection, expiry, cancellation or outcome.
type AuditRecord struct {
	Seq       uint64    `json:"seq"`
	At        time.Time `json:"at"`
	Event     string    `json:"event"`
	ChangeID  string    `json:"changeId,omitempty"`
	Cluster   string    `json:"cluster,omitempty"`
	Service   string    `json:"service,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	ActorName string    `json:"actorName,omitempty"`
	Before    string    `json:"before,omitempty"`
	After     string    `json:"after,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Audit appends r, assigning Seq (always; any Seq given is ignored) and At
// when it is zero, and returns the stored record.
func (s *Store) Audit(r AuditRecord) (AuditRecord, error) {
	if r.Event == "" {
		return AuditRecord{}, errors.New("an audit record needs an event")
	}
	if r.At.IsZero() {
		r.At = s.clock()
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.Seq = seq
		return put(b, seqKey(seq), r)
	})
	if err != nil {
		return AuditRecord{}, fmt.Errorf("writing the audit record (%s): %w", r.Event, err)
	}
	return r, nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// AuditLog returns the audit records at or after since (zero: all), oldest
// first. With limit > 0 it returns only the newest limit of them.
func (s *Store) AuditLog(since time.Time, limit int) ([]AuditRecord, error) {
	var out []AuditRecord
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				s.skip(bucketAudit, strconv.FormatUint(binary.BigEndian.Uint64(k), 10), err)
				continue
			}
			if r.At.Before(since) {
				continue // At is usually increasing, but callers may set it
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}
