package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// Get returns a key of the small state, or ErrNotFound.
func (s *Store) Get(k string) (string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	it, err := s.get(ctx, pkKV, k)
	if err != nil {
		return "", s.explain("reading "+k, err)
	}
	if !it.found {
		return "", fmt.Errorf("%w: no value for %q", store.ErrNotFound, k)
	}
	return string(it.doc), nil
}

// Set sets a key of the small state.
func (s *Store) Set(k, value string) error {
	if k == "" {
		return errors.New("an empty key")
	}
	ctx, cancel := s.ctx()
	defer cancel()
	err := s.update(ctx, pkKV, k, func(item) ([]byte, time.Time, error) { return []byte(value), time.Time{}, nil })
	if err != nil {
		return s.explain("saving "+k, err)
	}
	return nil
}

// Delete removes a key of the small state (absent keys are fine).
func (s *Store) Delete(k string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.del(ctx, pkKV, k, item{}); err != nil {
		return s.explain("deleting "+k, err)
	}
	return nil
}

// Pairs returns the whole small state (for export): one Query.
func (s *Store) Pairs() (map[string]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	out := map[string]string{}
	err := s.query(ctx, pkKV, "", "", true, 0, func(sk string, it item) error {
		out[sk] = string(it.doc)
		return nil
	})
	if err != nil {
		return nil, s.explain("reading the small state", err)
	}
	return out, nil
}

// Claim sets key to value only if it is absent: one conditional write.
func (s *Store) Claim(k, value string) (bool, error) {
	if k == "" {
		return false, errors.New("an empty key")
	}
	ctx, cancel := s.ctx()
	defer cancel()
	// A claim (a summary's day, a chat event's id) is kept for the
	// retention, then the table forgets it; a secret stays.
	var ttl time.Time
	if s.retention > 0 && !strings.HasPrefix(k, store.SecretPrefix) {
		ttl = s.clock().Add(s.retention)
	}
	switch err := s.put(ctx, pkKV, k, item{}, []byte(value), ttl); {
	case errors.Is(err, errChanged):
		return false, nil
	case err != nil:
		return false, s.explain("claiming "+k, err)
	}
	return true, nil
}

// Prune removes the stops before the given time and the finished changes
// last updated before it, and frees locks left by finished or missing
// changes, as the bbolt engine does, by Queries of those partitions. With
// Options.Retention the table's TTL also forgets them.
func (s *Store) Prune(before time.Time) (int, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	n := 0
	dead := map[string]bool{}
	var idx []string
	err := s.query(ctx, pkStopIdx, "", "", true, 0, func(sk string, it item) error {
		var t uint64
		parts := splitIndex(sk)
		if len(parts) != 4 {
			return nil
		}
		if _, err := fmt.Sscanf(parts[2], "%016x", &t); err != nil {
			return nil
		}
		if time.Unix(0, int64(t^(1<<63))).Before(before) {
			idx = append(idx, sk)
			dead[string(it.doc)] = true
		}
		return nil
	})
	if err != nil {
		return 0, s.explain("pruning stops", err)
	}
	for arn := range dead {
		if err := s.del(ctx, pkStops, arn, item{}); err != nil {
			return n, s.explain("pruning stops", err)
		}
		n++
	}
	for _, sk := range idx {
		if err := s.del(ctx, pkStopIdx, sk, item{}); err != nil {
			return n, s.explain("pruning stops", err)
		}
	}
	type old struct {
		id string
		it item
	}
	var changes []old
	err = s.query(ctx, pkChanges, "", "", true, 0, func(sk string, it item) error {
		var c store.Change
		if json.Unmarshal(it.doc, &c) == nil && store.Finished(c.Status) && c.UpdatedAt.Before(before) {
			changes = append(changes, old{sk, it})
		}
		return nil
	})
	if err != nil {
		return n, s.explain("pruning changes", err)
	}
	for _, c := range changes {
		switch err := s.del(ctx, pkChanges, c.id, c.it); {
		case err == nil:
			n++
		case !errors.Is(err, errChanged): // changed meanwhile: kept
			return n, s.explain("pruning changes", err)
		}
	}
	var locks []old
	err = s.query(ctx, pkLocks, "", "", true, 0, func(sk string, it item) error {
		live, err := s.live(ctx, string(it.doc))
		if err == nil && !live {
			locks = append(locks, old{sk, it})
		}
		return err
	})
	if err != nil {
		return n, s.explain("pruning locks", err)
	}
	for _, l := range locks {
		if err := s.del(ctx, pkLocks, l.id, l.it); err != nil && !errors.Is(err, errChanged) {
			return n, s.explain("pruning locks", err)
		}
	}
	return n, nil
}

// splitIndex splits cluster/service/time/ARN; the ARN holds "/" itself.
func splitIndex(sk string) []string {
	var parts []string
	for range 3 {
		i := strings.IndexByte(sk, '/')
		if i < 0 {
			return nil
		}
		parts = append(parts, sk[:i])
		sk = sk[i+1:]
	}
	return append(parts, sk)
}
