package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StopRecord is a stopped (or stopping) task, kept after ECS forgets it.
type StopRecord struct {
	TaskArn        string          `json:"taskArn"`
	Cluster        string          `json:"cluster"`
	Service        string          `json:"service"`
	StartedAt      time.Time       `json:"startedAt"`
	StoppingAt     time.Time       `json:"stoppingAt"`
	StoppedAt      time.Time       `json:"stoppedAt"`
	StopCode       string          `json:"stopCode,omitempty"`
	StoppedReason  string          `json:"stoppedReason,omitempty"`
	Containers     []StopContainer `json:"containers,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	Diagnosis      json.RawMessage `json:"diagnosis,omitempty"`
	FirstSeen      time.Time       `json:"firstSeen"`
	AnnouncedAt    time.Time       `json:"announcedAt"`
	AlertMessageID string          `json:"alertMessageId,omitempty"`
	Group          string          `json:"group,omitempty"` // crash-loop group id
}

// StopContainer is one container of a stopped task.
type StopContainer struct {
	Name     string `json:"name"`
	ExitCode *int32 `json:"exitCode,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// When is the time a stop is sorted and pruned by: StoppedAt, else
// StoppingAt, else FirstSeen.
func (r StopRecord) When() time.Time {
	switch {
	case !r.StoppedAt.IsZero():
		return r.StoppedAt
	case !r.StoppingAt.IsZero():
		return r.StoppingAt
	}
	return r.FirstSeen
}

func stopIndexKey(r StopRecord) []byte {
	k := join(r.Cluster, r.Service, "")
	k = append(k, timeKey(r.When())...)
	return append(k, r.TaskArn...)
}

// parseStopIndexKey splits cluster 0x00 service 0x00 time(8) arn.
func parseStopIndexKey(k []byte) (cluster, service string, when time.Time, arn string, ok bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return
	}
	j := bytes.IndexByte(k[i+1:], 0)
	if j < 0 {
		return
	}
	j += i + 1
	if len(k) < j+1+8 {
		return
	}
	return string(k[:i]), string(k[i+1 : j]), timeFromKey(k[j+1 : j+9]), string(k[j+9:]), true
}

func getStop(b *bolt.Bucket, arn string) (StopRecord, bool, error) {
	v := b.Get([]byte(arn))
	if v == nil {
		return StopRecord{}, false, nil
	}
	var r StopRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return StopRecord{}, false, &BadRecordError{Bucket: string(bucketStops), Key: arn, Err: err}
	}
	return r, true, nil
}

func putStop(tx *bolt.Tx, old *StopRecord, r StopRecord) error {
	idx := tx.Bucket(bucketStopIndex)
	if old != nil {
		if ok := stopIndexKey(*old); !bytes.Equal(ok, stopIndexKey(r)) {
			if err := idx.Delete(ok); err != nil {
				return err
			}
		}
	}
	if err := idx.Put(stopIndexKey(r), nil); err != nil {
		return err
	}
	return put(tx.Bucket(bucketStops), []byte(r.TaskArn), r)
}

// merge folds a newer report n of the same task into o: non-zero fields of n
// win, except FirstSeen and AnnouncedAt, which keep their first value.
// Containers are merged by name.
func merge(o, n StopRecord) StopRecord {
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	tm := func(dst *time.Time, v time.Time) {
		if !v.IsZero() {
			*dst = v
		}
	}
	str(&o.Cluster, n.Cluster)
	str(&o.Service, n.Service)
	tm(&o.StartedAt, n.StartedAt)
	tm(&o.StoppingAt, n.StoppingAt)
	tm(&o.StoppedAt, n.StoppedAt)
	str(&o.StopCode, n.StopCode)
	str(&o.StoppedReason, n.StoppedReason)
	str(&o.Cause, n.Cause)
	if len(n.Diagnosis) > 0 {
		o.Diagnosis = n.Diagnosis
	}
	if o.FirstSeen.IsZero() {
		o.FirstSeen = n.FirstSeen
	}
	if o.AnnouncedAt.IsZero() {
		o.AnnouncedAt = n.AnnouncedAt
	}
	str(&o.AlertMessageID, n.AlertMessageID)
	str(&o.Group, n.Group)
	cs := slices.Clone(o.Containers)
	for _, nc := range n.Containers {
		i := slices.IndexFunc(cs, func(c StopContainer) bool { return c.Name == nc.Name })
		if i < 0 {
			cs = append(cs, nc)
			continue
		}
		if nc.ExitCode != nil {
			cs[i].ExitCode = nc.ExitCode
		}
		str(&cs[i].Reason, nc.Reason)
	}
	o.Containers = cs
	return o
}

// RecordStop saves a stopped task, idempotently by TaskArn: recording the
// same task again merges the new non-empty fields into the stored record and
// keeps its FirstSeen and AnnouncedAt. FirstSeen defaults to now. isNew is
// true the first time a task is recorded.
func (s *Store) RecordStop(r StopRecord) (isNew bool, err error) {
	if r.TaskArn == "" {
		return false, errors.New("a stop record needs a task ARN")
	}
	if strings.ContainsRune(r.Cluster, 0) || strings.ContainsRune(r.Service, 0) {
		return false, fmt.Errorf("stop record of %s: cluster and service names cannot contain NUL", r.TaskArn)
	}
	now := s.clock()
	err = s.update(func(tx *bolt.Tx) error {
		old, found, err := getStop(tx.Bucket(bucketStops), r.TaskArn)
		if err != nil {
			// ECS reports the task again: its fresh record replaces the
			// damaged one (whose index entry stays, harmless, until Prune).
			s.skip(bucketStops, r.TaskArn, err)
			found = false
		}
		if !found {
			isNew = true
			if r.FirstSeen.IsZero() {
				r.FirstSeen = now
			}
			return putStop(tx, nil, r)
		}
		return putStop(tx, &old, merge(old, r))
	})
	if err != nil {
		return false, fmt.Errorf("recording the stop of %s: %w", r.TaskArn, err)
	}
	return isNew, nil
}

// Stop returns the stop record of a task, or ErrNotFound.
func (s *Store) Stop(taskArn string) (StopRecord, error) {
	var r StopRecord
	err := s.view(func(tx *bolt.Tx) error {
		var found bool
		var err error
		r, found, err = getStop(tx.Bucket(bucketStops), taskArn)
		if err == nil && !found {
			err = fmt.Errorf("%w: no stop recorded for task %s", ErrNotFound, taskArn)
		}
		return err
	})
	return r, err
}

// updateStop loads a recorded stop, applies f and saves it if f says so.
func (s *Store) updateStop(taskArn string, f func(*StopRecord) (save bool)) error {
	return s.update(func(tx *bolt.Tx) error {
		old, found, err := getStop(tx.Bucket(bucketStops), taskArn)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: no stop recorded for task %s (record it with RecordStop first)", ErrNotFound, taskArn)
		}
		r := old
		if !f(&r) {
			return nil
		}
		return putStop(tx, &old, r)
	})
}

// ClaimAnnouncement sets AnnouncedAt of a recorded stop to now if it is not
// set yet, atomically; first is true for exactly one caller, across
// goroutines, watcher sources and restarts. The stop must have been recorded
// (else ErrNotFound).
func (s *Store) ClaimAnnouncement(taskArn string) (first bool, err error) {
	now := s.clock()
	err = s.updateStop(taskArn, func(r *StopRecord) bool {
		first = r.Announce(now)
		return first
	})
	return first, err
}

// Announce sets AnnouncedAt to now unless it is set, and reports whether
// it did: ClaimAnnouncement's rule, in every engine.
func (r *StopRecord) Announce(now time.Time) bool {
	if !r.AnnouncedAt.IsZero() {
		return false
	}
	r.AnnouncedAt = now
	return true
}

// SetAlert records the alert posted for the stop and its crash-loop
// group; an empty argument leaves that field as it is.
func (r *StopRecord) SetAlert(messageID, group string) {
	if messageID != "" {
		r.AlertMessageID = messageID
	}
	if group != "" {
		r.Group = group
	}
}

// SetStopAlert stores the alert message posted for a stop and its
// crash-loop group. An empty argument leaves that field as it is.
func (s *Store) SetStopAlert(taskArn, messageID, group string) error {
	return s.updateStop(taskArn, func(r *StopRecord) bool {
		r.SetAlert(messageID, group)
		return true
	})
}

// Stops returns the stops of a service whose When() is at or after since,
// newest first. service "" means every service of the cluster; cluster ""
// means every cluster.
func (s *Store) Stops(cluster, service string, since time.Time) ([]StopRecord, error) {
	var prefix, start []byte
	switch {
	case cluster == "":
	case service == "":
		prefix = join(cluster, "")
	default:
		prefix = join(cluster, service, "")
		start = append(slices.Clone(prefix), timeKey(since)...)
	}
	if start == nil {
		start = prefix
	}
	var out []StopRecord
	err := s.view(func(tx *bolt.Tx) error {
		stops := tx.Bucket(bucketStops)
		c := tx.Bucket(bucketStopIndex).Cursor()
		for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			_, svc, when, arn, ok := parseStopIndexKey(k)
			if !ok || when.Before(since) || (service != "" && svc != service) {
				continue
			}
			r, found, err := getStop(stops, arn)
			if err != nil {
				s.skip(bucketStops, arn, err)
				continue
			}
			if found {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	SortStops(out)
	return out, nil
}

// SortStops orders stops as Stops returns them: newest first, then by
// task ARN. Every engine uses it.
func SortStops(rs []StopRecord) {
	slices.SortStableFunc(rs, func(a, b StopRecord) int {
		if c := b.When().Compare(a.When()); c != 0 {
			return c
		}
		return strings.Compare(b.TaskArn, a.TaskArn)
	})
}

// MergeStop is how RecordStop folds a newer report of a task into the
// recorded one; another engine records stops the same way.
func MergeStop(old, newer StopRecord) StopRecord { return merge(old, newer) }
