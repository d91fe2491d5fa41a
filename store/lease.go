package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Lease is a named lease: which replica holds it, and until when. With
// several replicas on one shared store, the holder of the "leader" lease is
// the one that runs the watcher and the schedules (docs/replicas.md).
type Lease struct {
	Name   string    `json:"name"`
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
	// Epoch grows by one each time the lease passes to another holder (or
	// is taken again after it lapsed), so work done under an old epoch can
	// be told from work done under the new one.
	Epoch uint64 `json:"epoch"`
}

// Held reports whether the lease is held by someone at now.
func (l Lease) Held(now time.Time) bool { return l.Holder != "" && now.Before(l.Until) }

// AcquireLease takes the named lease for holder until now+ttl when it is
// free, lapsed, or already holder's (which renews it), atomically. It
// returns the lease as it stands afterwards and whether holder has it.
func (s *Store) AcquireLease(name, holder string, ttl time.Duration) (Lease, bool, error) {
	if name == "" || holder == "" {
		return Lease{}, false, errors.New("a lease needs a name and a holder")
	}
	if ttl <= 0 {
		return Lease{}, false, fmt.Errorf("a lease needs a positive time to live, not %s", ttl)
	}
	var out Lease
	var got bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		now := s.clock()
		cur, err := getLease(b, name)
		if err != nil {
			return err
		}
		if cur.Holder != holder && cur.Held(now) {
			out, got = cur, false
			return nil
		}
		next := Lease{Name: name, Holder: holder, Until: now.Add(ttl), Epoch: cur.Epoch}
		if cur.Holder != holder || !cur.Held(now) {
			next.Epoch++
		}
		out, got = next, true
		return put(b, []byte(name), next)
	})
	return out, got, err
}

// ReleaseLease gives up the named lease if holder has it, so that another
// replica takes over at once instead of waiting for it to lapse. Releasing
// a lease one does not hold does nothing.
func (s *Store) ReleaseLease(name, holder string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		cur, err := getLease(b, name)
		if err != nil || cur.Holder != holder {
			return err
		}
		cur.Until = time.Time{}
		cur.Holder = ""
		return put(b, []byte(name), cur)
	})
}

// LeaseOf returns the named lease as it stands (the zero Lease, with the
// name, when nobody ever took it).
func (s *Store) LeaseOf(name string) (Lease, error) {
	out := Lease{Name: name}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		if b == nil { // a store from before leases, opened read-only
			return nil
		}
		var err error
		out, err = getLease(b, name)
		return err
	})
	return out, err
}

func getLease(b *bolt.Bucket, name string) (Lease, error) {
	v := b.Get([]byte(name))
	if v == nil {
		return Lease{Name: name}, nil
	}
	var l Lease
	if err := json.Unmarshal(v, &l); err != nil {
		return Lease{}, fmt.Errorf("the lease %q in the store is damaged: %w", name, err)
	}
	return l, nil
}
