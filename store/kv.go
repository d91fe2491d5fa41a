package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Get returns the value of a key of the small state, or ErrNotFound.
func (s *Store) Get(key string) (string, error) {
	var v []byte
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketKV).Get([]byte(key)); b != nil {
			v = append([]byte{}, b...)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", fmt.Errorf("%w: no value for %q", ErrNotFound, key)
	}
	return string(v), nil
}

// Set sets a key of the small state.
func (s *Store) Set(key, value string) error {
	if key == "" {
		return errors.New("an empty key")
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKV).Put([]byte(key), []byte(value))
	})
}

// Delete removes a key of the small state (absent keys are fine).
func (s *Store) Delete(key string) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKV).Delete([]byte(key))
	})
}

// Pairs returns the whole small state (for export).
func (s *Store) Pairs() (map[string]string, error) {
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKV).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

// Claim sets key to value only if the key is absent, atomically, and reports
// whether it did (e.g. "summary:2026-11-25", so a schedule never posts twice).
func (s *Store) Claim(key, value string) (bool, error) {
	if key == "" {
		return false, errors.New("an empty key")
	}
	claimed := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKV)
		if b.Get([]byte(key)) != nil {
			return nil
		}
		claimed = true
		return b.Put([]byte(key), []byte(value))
	})
	return claimed, err
}

// Prune is the retention: it removes the stop records whose When() is
// before the given time and the finished changes (see Finished) last updated
// before it, and releases service locks left by finished or missing changes.
// It returns how many stop records and changes it removed. The audit log is
// kept whole: it is the record of who changed what, and it is small.
// The small key/value state is kept too.
func (s *Store) Prune(before time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		// Stops, through the index (which holds each stop's time).
		idx := tx.Bucket(bucketStopIndex)
		stops := tx.Bucket(bucketStops)
		var dead, arns [][]byte
		err := idx.ForEach(func(k, _ []byte) error {
			if _, _, when, arn, ok := parseStopIndexKey(k); ok && when.Before(before) {
				dead = append(dead, append([]byte{}, k...))
				arns = append(arns, []byte(arn))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, k := range dead {
			if err := idx.Delete(k); err != nil {
				return err
			}
			if err := stops.Delete(arns[i]); err != nil {
				return err
			}
			n++
		}
		// Finished changes.
		changes := tx.Bucket(bucketChanges)
		dead = dead[:0]
		err = changes.ForEach(func(k, v []byte) error {
			var c Change
			if err := json.Unmarshal(v, &c); err != nil {
				s.skip(bucketChanges, string(k), err) // kept: it may yet be repaired
				return nil
			}
			if Finished(c.Status) && c.UpdatedAt.Before(before) {
				dead = append(dead, append([]byte{}, k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range dead {
			if err := changes.Delete(k); err != nil {
				return err
			}
			n++
		}
		// Stale locks.
		locks := tx.Bucket(bucketLocks)
		dead = dead[:0]
		err = locks.ForEach(func(k, v []byte) error {
			if !live(tx, string(v)) {
				dead = append(dead, append([]byte{}, k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range dead {
			if err := locks.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pruning the store: %w", err)
	}
	return n, nil
}
