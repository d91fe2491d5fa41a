package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Status is where a change stands. The strings are what the store keeps on
// disk: never rename one, or stored changes stop matching.
type Status string

// Change statuses.
const (
	StatusPending   Status = "pending"
	StatusApproved  Status = "approved"
	StatusApplying  Status = "applying"
	StatusApplied   Status = "applied"
	StatusFailed    Status = "failed"
	StatusRejected  Status = "rejected"
	StatusExpired   Status = "expired"
	StatusCancelled Status = "cancelled"
)

// Finished reports whether a change in this status is over (applied, failed,
// rejected, expired or cancelled): it holds no service lock and Prune may
// remove it.
func Finished(status Status) bool {
	switch status {
	case StatusApplied, StatusFailed, StatusRejected, StatusExpired, StatusCancelled:
		return true
	}
	return false
}

// Change is a guarded change, from plan to outcome.
type Change struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"` // scale-cpu, scale-memory, scale-count, reservation, autoscale, healthcheck, rollback
	Cluster         string          `json:"cluster"`
	Service         string          `json:"service"`
	Summary         string          `json:"summary,omitempty"`
	RequestedBy     string          `json:"requestedBy,omitempty"`
	RequestedByName string          `json:"requestedByName,omitempty"`
	RequestedAt     time.Time       `json:"requestedAt"`
	ExpiresAt       time.Time       `json:"expiresAt"`
	Status          Status          `json:"status"`
	Plan            json.RawMessage `json:"plan,omitempty"`
	Fingerprint     string          `json:"fingerprint,omitempty"`
	ChannelID       string          `json:"channelId,omitempty"`
	MessageID       string          `json:"messageId,omitempty"`
	ApprovedBy      string          `json:"approvedBy,omitempty"`
	ApprovedByName  string          `json:"approvedByName,omitempty"`
	ApprovedAt      time.Time       `json:"approvedAt"`
	// RequireApprovers is how many different people must approve (1 when
	// 0, as changes stored before it); Approvals are theirs so far, the
	// last of them also in ApprovedBy once the change is approved.
	RequireApprovers int        `json:"requireApprovers,omitempty"`
	Approvals        []Approval `json:"approvals,omitempty"`
	// Applier is the replica (its instance id) that approved and applies
	// the change, when several share the store; "" with one.
	Applier   string    `json:"applier,omitempty"`
	Result    string    `json:"result,omitempty"`
	Error     string    `json:"error,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Approval is one person's approval of a change that needs several.
type Approval struct {
	By     string    `json:"by"`
	ByName string    `json:"byName,omitempty"`
	At     time.Time `json:"at"`
}

// ChangeFilter selects changes; empty fields match everything.
type ChangeFilter struct {
	Statuses []Status
	Service  string
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewChangeID returns a fresh change id: 8 lower-case base32 characters
// (40 random bits from crypto/rand), easy to type in `approve ID`.
// CreateChange reports ErrExists in the unlikely case of a collision.
func NewChangeID() string {
	var b [5]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand.Read, Go 1.24+)
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// NormalizeID turns what a user typed into the form NewChangeID makes.
func NormalizeID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// ConflictError is the error behind ErrConflict: the change's current status,
// or the change holding a service lock. errors.Is(err, ErrConflict) is true.
type ConflictError struct {
	ChangeID string   // the change asked about, or holding the lock
	Status   Status   // its current status ("" for a lock conflict)
	Want     []Status // the statuses the transition allowed
	msg      string
}

func (e *ConflictError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// CreateChange saves a new change. Status defaults to pending, RequestedAt
// and UpdatedAt to now. It returns ErrExists if the id is taken.
func (s *Store) CreateChange(c Change) error {
	if c.ID == "" {
		return errors.New("a change needs an id (use store.NewChangeID)")
	}
	c.FillNew(s.clock())
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChanges)
		if b.Get([]byte(c.ID)) != nil {
			return fmt.Errorf("%w: a change with id %s already exists", ErrExists, c.ID)
		}
		if err := put(b, []byte(c.ID), c); err != nil {
			return fmt.Errorf("saving change %s: %w", c.ID, err)
		}
		return nil
	})
}

// getChange loads a change by id, trying the id as typed and then
// normalized (so `approve ABCD1234` finds abcd1234).
func getChange(b *bolt.Bucket, id string) (Change, error) {
	v := b.Get([]byte(id))
	if v == nil {
		if n := NormalizeID(id); n != id {
			v = b.Get([]byte(n))
		}
	}
	if v == nil {
		return Change{}, fmt.Errorf("%w: there is no change %q (it may have been pruned, or the id is mistyped)", ErrNotFound, id)
	}
	var c Change
	if err := json.Unmarshal(v, &c); err != nil {
		return Change{}, &BadRecordError{Bucket: string(bucketChanges), Key: id, Err: err}
	}
	return c, nil
}

// Change returns the change with this id, or ErrNotFound.
func (s *Store) Change(id string) (Change, error) {
	var c Change
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = getChange(tx.Bucket(bucketChanges), id)
		return err
	})
	return c, err
}

// Transition atomically loads the change, checks that its status is one of
// from (an empty from allows any), calls mutate (if not nil) on it, sets
// Status to to and UpdatedAt to now, and saves it. It is the exactly-once
// building block: of two concurrent approvals one wins and the other gets
// ErrConflict (a *ConflictError naming the current status).
//
// On ErrConflict the returned Change is the current one (so the caller can
// say who approved it); on any other error it is the zero Change. If mutate
// returns an error nothing is saved and that error is returned as is.
// mutate cannot change the id.
func (s *Store) Transition(id string, from []Status, to Status, mutate func(*Change) error) (Change, error) {
	if to == "" {
		return Change{}, errors.New("transition to an empty status")
	}
	var out Change
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketChanges)
		c, err := getChange(b, id)
		if err != nil {
			return err
		}
		if len(from) > 0 && !slices.Contains(from, c.Status) {
			out = c
			return &ConflictError{
				ChangeID: c.ID, Status: c.Status, Want: from,
				msg: fmt.Sprintf("change %s is already %s, so it cannot become %s (only a change that is %s can)",
					c.ID, c.Status, to, joinStatuses(from, " or ")),
			}
		}
		origID := c.ID
		if mutate != nil {
			if err := mutate(&c); err != nil {
				return err
			}
		}
		c.ID = origID
		c.Status = to
		c.UpdatedAt = s.clock()
		if err := put(b, []byte(c.ID), c); err != nil {
			return fmt.Errorf("saving change %s: %w", c.ID, err)
		}
		out = c
		return nil
	})
	if err != nil {
		var ce *ConflictError
		if errors.As(err, &ce) {
			return out, err
		}
		return Change{}, err
	}
	return out, nil
}

// Changes returns the changes matching the filter, newest (by RequestedAt)
// first.
func (s *Store) Changes(filter ChangeFilter) ([]Change, error) {
	var out []Change
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketChanges).ForEach(func(k, v []byte) error {
			var c Change
			if err := json.Unmarshal(v, &c); err != nil {
				// One damaged change must not hide (or block) the others.
				s.skip(bucketChanges, string(k), err)
				return nil
			}
			if filter.Matches(c) {
				out = append(out, c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	SortChanges(out)
	return out, nil
}

// Matches reports whether c is one the filter selects.
func (f ChangeFilter) Matches(c Change) bool {
	return (f.Service == "" || c.Service == f.Service) && (len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status))
}

// SortChanges orders changes as Changes returns them: newest (by
// RequestedAt) first, then by id. Every engine uses it.
func SortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int {
		if c := b.RequestedAt.Compare(a.RequestedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// LockService takes the per-service change lock for changeID. Taking a lock
// already held by the same change succeeds. A lock held by a change that is
// finished or gone (a crash between apply and unlock) is taken over. A lock
// held by another live change gives ErrConflict naming it.
func (s *Store) LockService(cluster, service, changeID string) error {
	if changeID == "" {
		return errors.New("locking a service needs a change id")
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		k := join(cluster, service)
		if held := string(b.Get(k)); held != "" && held != changeID {
			if live(tx, held) {
				return &ConflictError{
					ChangeID: held,
					msg: fmt.Sprintf("service %s is busy with change %s: one change per service at a time; wait for it to finish or cancel it",
						service, held),
				}
			}
		}
		return b.Put(k, []byte(changeID))
	})
}

// live reports whether the change exists and is not finished.
func live(tx *bolt.Tx, id string) bool {
	c, err := getChange(tx.Bucket(bucketChanges), id)
	return err == nil && !Finished(c.Status)
}

// UnlockService releases the service lock if changeID holds it. Releasing a
// free lock succeeds; releasing another change's lock gives ErrConflict.
func (s *Store) UnlockService(cluster, service, changeID string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		k := join(cluster, service)
		held := string(b.Get(k))
		switch held {
		case "":
			return nil
		case changeID:
			return b.Delete(k)
		}
		return &ConflictError{
			ChangeID: held,
			msg:      fmt.Sprintf("service %s is locked by change %s, not %s, so %s cannot unlock it", service, held, changeID, changeID),
		}
	})
}

// ServiceLock returns the change holding the service's lock, or "" (and no
// error) when the service is free. A lock left by a finished or missing
// change counts as free, as in LockService.
func (s *Store) ServiceLock(cluster, service string) (changeID string, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		changeID = string(tx.Bucket(bucketLocks).Get(join(cluster, service)))
		if changeID != "" && !live(tx, changeID) {
			changeID = ""
		}
		return nil
	})
	return changeID, err
}

func joinStatuses(ss []Status, sep string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, sep)
}

// FillNew gives a new change CreateChange's defaults (pending, requested
// and updated now), in every engine.
func (c *Change) FillNew(now time.Time) {
	if c.Status == "" {
		c.Status = StatusPending
	}
	if c.RequestedAt.IsZero() {
		c.RequestedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = now
	}
}

// NewConflictError is a conflict as another engine reports it, worded as
// msg.
func NewConflictError(changeID string, status Status, want []Status, msg string) *ConflictError {
	return &ConflictError{ChangeID: changeID, Status: status, Want: want, msg: msg}
}
