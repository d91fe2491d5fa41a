package store

import (
	"cmp"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// view and update run a bbolt transaction, turning a panic inside bbolt
// (it panics on pages it cannot make sense of, and a fault on the mapped
// file becomes one with SetPanicOnFault) into a *DamagedError, so that
// damage the check on open could not see still ends in a message.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer s.recoverDamage(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return s.db.View(fn)
}

func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	defer s.recoverDamage(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return s.db.Update(fn)
}

func (s *Store) recoverDamage(err *error) {
	if r := recover(); r != nil {
		slog.Error("the store's file is damaged", "path", s.path, "panic", fmt.Sprint(r))
		*err = &DamagedError{Path: s.path, What: fmt.Sprintf("reading it failed (%v)", r)}
	}
}

// BadRecordError is one record that cannot be read. Lists skip it (and
// log it); asking for it by name gives this error. errors.Is(err,
// ErrDamaged) is true.
type BadRecordError struct {
	Bucket string // changes, audit, stops…
	Key    string
	Err    error
}

func (e *BadRecordError) Error() string {
	return fmt.Sprintf("the %s record %s in the store is damaged and cannot be read (%v); "+
		"the other records are not affected, and `ecsmedic store check` lists every damaged one",
		singular(e.Bucket), e.Key, e.Err)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDamaged) true.
func (e *BadRecordError) Is(target error) bool { return target == ErrDamaged }

func singular(bucket string) string {
	switch bucket {
	case string(bucketChanges):
		return "change"
	case string(bucketStops):
		return "stop"
	}
	return bucket
}

// badRecords remembers the damaged records met since Open, so each is
// logged once and counted.
type badRecords struct {
	mu   sync.Mutex
	seen map[string]*BadRecordError
}

// skip records a damaged record that a list leaves out.
func (s *Store) skip(bucket []byte, key string, err error) *BadRecordError {
	if be, ok := err.(*BadRecordError); ok {
		err = be.Err
	}
	e := &BadRecordError{Bucket: string(bucket), Key: key, Err: err}
	s.bad.mu.Lock()
	defer s.bad.mu.Unlock()
	id := e.Bucket + "/" + key
	if s.bad.seen[id] == nil {
		if s.bad.seen == nil {
			s.bad.seen = map[string]*BadRecordError{}
		}
		s.bad.seen[id] = e
		slog.Warn("skipping a damaged record of the store", "path", s.path, "bucket", e.Bucket, "key", key, "err", err)
	}
	return e
}

// Skipped lists the damaged records met (and left out) since Open, in
// bucket and key order.
func (s *Store) Skipped() []BadRecordError {
	s.bad.mu.Lock()
	defer s.bad.mu.Unlock()
	out := make([]BadRecordError, 0, len(s.bad.seen))
	for _, e := range s.bad.seen {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b BadRecordError) int {
		return cmp.Or(strings.Compare(a.Bucket, b.Bucket), strings.Compare(a.Key, b.Key))
	})
	return out
}
