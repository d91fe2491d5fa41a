package dynamo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// AcquireLease takes the named lease as the bbolt engine does: one
// conditional write, so of replicas racing for a free lease one gets it.
// Each replica judges expiry by its own clock: keep the TTL well above
// the clocks' drift (seconds, with NTP).
func (s *Store) AcquireLease(name, holder string, ttl time.Duration) (store.Lease, bool, error) {
	if err := store.CheckLease(name, holder, ttl); err != nil {
		return store.Lease{}, false, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var out store.Lease
	var got bool
	err := s.update(ctx, pkLeases, name, func(it item) ([]byte, time.Time, error) {
		cur, err := decodeLease(name, it)
		if err != nil {
			return nil, time.Time{}, err
		}
		out, got = store.NextLease(cur, holder, ttl, s.clock())
		if !got {
			return nil, time.Time{}, nil
		}
		doc, err := json.Marshal(out)
		return doc, time.Time{}, err
	})
	if err != nil {
		return store.Lease{}, false, s.explain("taking the lease "+name, err)
	}
	return out, got, nil
}

// ReleaseLease gives the lease up if holder has it.
func (s *Store) ReleaseLease(name, holder string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	err := s.update(ctx, pkLeases, name, func(it item) ([]byte, time.Time, error) {
		cur, err := decodeLease(name, it)
		if err != nil || cur.Holder != holder {
			return nil, time.Time{}, err
		}
		cur.Holder, cur.Until = "", time.Time{}
		doc, err := json.Marshal(cur)
		return doc, time.Time{}, err
	})
	if err != nil {
		return s.explain("releasing the lease "+name, err)
	}
	return nil
}

// LeaseOf returns the named lease as it stands.
func (s *Store) LeaseOf(name string) (store.Lease, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	it, err := s.get(ctx, pkLeases, name)
	if err != nil {
		return store.Lease{}, s.explain("reading the lease "+name, err)
	}
	return decodeLease(name, it)
}

func decodeLease(name string, it item) (store.Lease, error) {
	if !it.found {
		return store.Lease{Name: name}, nil
	}
	var l store.Lease
	if err := json.Unmarshal(it.doc, &l); err != nil {
		return store.Lease{}, fmt.Errorf("the lease %q in the table is damaged: %w", name, err)
	}
	return l, nil
}
