package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// The rules are those of the bbolt engine (store/changes.go); only the
// way they are made atomic differs.

// CreateChange saves a new change; ErrExists if the id is taken.
func (s *Store) CreateChange(c store.Change) error {
	if c.ID == "" {
		return errors.New("a change needs an id (use store.NewChangeID)")
	}
	c.FillNew(s.clock())
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	switch err := s.put(ctx, pkChanges, c.ID, item{}, doc, s.changeTTL(c)); {
	case errors.Is(err, errChanged):
		return fmt.Errorf("%w: a change with id %s already exists", store.ErrExists, c.ID)
	case err != nil:
		return s.explain("saving change "+c.ID, err)
	}
	return nil
}

// changeTTL lets the table forget a finished change after the retention.
func (s *Store) changeTTL(c store.Change) time.Time {
	if s.retention <= 0 || !store.Finished(c.Status) {
		return time.Time{}
	}
	return c.UpdatedAt.Add(s.retention)
}

func (s *Store) getChange(ctx context.Context, id string) (store.Change, item, error) {
	it, err := s.get(ctx, pkChanges, id)
	if err == nil && !it.found {
		if n := store.NormalizeID(id); n != id {
			it, err = s.get(ctx, pkChanges, n)
		}
	}
	if err != nil {
		return store.Change{}, item{}, s.explain("reading change "+id, err)
	}
	if !it.found {
		return store.Change{}, it, fmt.Errorf("%w: there is no change %q (it may have been pruned, or the id is mistyped)", store.ErrNotFound, id)
	}
	var c store.Change
	if err := json.Unmarshal(it.doc, &c); err != nil {
		return store.Change{}, it, &store.BadRecordError{Bucket: "changes", Key: id, Err: err}
	}
	return c, it, nil
}

// Change returns the change with this id, or ErrNotFound.
func (s *Store) Change(id string) (store.Change, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	c, _, err := s.getChange(ctx, id)
	return c, err
}

// Transition is the exactly-once step of a change, as in the bbolt engine.
func (s *Store) Transition(id string, from []store.Status, to store.Status, mutate func(*store.Change) error) (store.Change, error) {
	if to == "" {
		return store.Change{}, errors.New("transition to an empty status")
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for range maxTries {
		c, it, err := s.getChange(ctx, id)
		if err != nil {
			return store.Change{}, err
		}
		if len(from) > 0 && !slices.Contains(from, c.Status) {
			return c, store.NewConflictError(c.ID, c.Status, from,
				fmt.Sprintf("change %s is already %s, so it cannot become %s (only a change that is %s can)", c.ID, c.Status, to, joinStatuses(from)))
		}
		origID := c.ID
		if mutate != nil {
			if err := mutate(&c); err != nil {
				return store.Change{}, err
			}
		}
		c.ID, c.Status, c.UpdatedAt = origID, to, s.clock()
		doc, err := json.Marshal(c)
		if err != nil {
			return store.Change{}, err
		}
		switch err := s.put(ctx, pkChanges, c.ID, it, doc, s.changeTTL(c)); {
		case err == nil:
			return c, nil
		case !errors.Is(err, errChanged):
			return store.Change{}, s.explain("saving change "+c.ID, err)
		}
	}
	return store.Change{}, fmt.Errorf("change %s kept changing under %d tries", id, maxTries)
}

func joinStatuses(ss []store.Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

// Changes returns the changes matching the filter, newest first: one
// Query of the changes' partition.
func (s *Store) Changes(filter store.ChangeFilter) ([]store.Change, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var out []store.Change
	err := s.query(ctx, pkChanges, "", "", true, 0, func(sk string, it item) error {
		var c store.Change
		if err := json.Unmarshal(it.doc, &c); err != nil {
			return nil // one damaged change must not hide the others
		}
		if filter.Matches(c) {
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, s.explain("listing changes", err)
	}
	store.SortChanges(out)
	return out, nil
}

func lockKey(cluster, service string) string { return cluster + "/" + service }

// live reports whether the change exists and is not finished.
func (s *Store) live(ctx context.Context, id string) (bool, error) {
	c, _, err := s.getChange(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDamaged):
		return false, nil // as bbolt: gone or unreadable holds no lock
	case err != nil:
		return false, err
	}
	return !store.Finished(c.Status), nil
}

// LockService takes the per-service change lock, as in the bbolt engine.
func (s *Store) LockService(cluster, service, changeID string) error {
	if changeID == "" {
		return errors.New("locking a service needs a change id")
	}
	ctx, cancel := s.ctx()
	defer cancel()
	err := s.update(ctx, pkLocks, lockKey(cluster, service), func(it item) ([]byte, time.Time, error) {
		if held := string(it.doc); it.found && held != "" && held != changeID {
			live, err := s.live(ctx, held)
			if err != nil {
				return nil, time.Time{}, err
			}
			if live {
				return nil, time.Time{}, store.NewConflictError(held, "", nil,
					fmt.Sprintf("service %s is busy with change %s: one change per service at a time; wait for it to finish or cancel it", service, held))
			}
		}
		if it.found && string(it.doc) == changeID {
			return nil, time.Time{}, nil
		}
		return []byte(changeID), time.Time{}, nil
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return s.explain("locking "+service, err)
	}
	return err
}

// UnlockService releases the service lock if changeID holds it.
func (s *Store) UnlockService(cluster, service, changeID string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	for range maxTries {
		it, err := s.get(ctx, pkLocks, lockKey(cluster, service))
		if err != nil {
			return s.explain("unlocking "+service, err)
		}
		switch held := string(it.doc); {
		case !it.found || held == "":
			return nil
		case held != changeID:
			return store.NewConflictError(held, "", nil,
				fmt.Sprintf("service %s is locked by change %s, not %s, so %s cannot unlock it", service, held, changeID, changeID))
		}
		switch err := s.del(ctx, pkLocks, lockKey(cluster, service), it); {
		case err == nil:
			return nil
		case !errors.Is(err, errChanged):
			return s.explain("unlocking "+service, err)
		}
	}
	return fmt.Errorf("the lock of %s kept changing under %d tries", service, maxTries)
}

// ServiceLock returns the change holding the service's lock, or "".
func (s *Store) ServiceLock(cluster, service string) (string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	it, err := s.get(ctx, pkLocks, lockKey(cluster, service))
	if err != nil {
		return "", s.explain("reading the lock of "+service, err)
	}
	held := string(it.doc)
	if held == "" {
		return "", nil
	}
	live, err := s.live(ctx, held)
	if err != nil || !live {
		return "", err
	}
	return held, nil
}
