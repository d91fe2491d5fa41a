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
	if err := CheckLease(name, holder, ttl); err != nil {
		return Lease{}, false, err
	}
	var out Lease
	var got bool
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		cur, err := getLease(b, name)
		if err != nil {
			return err
		}
		out, got = NextLease(cur, holder, ttl, s.clock())
		if !got {
			return nil
		}
		return put(b, []byte(name), out)
	})
	return out, got, err
}

// CheckLease refuses a lease request without a name, a holder or a
// positive time to live.
func CheckLease(name, holder string, ttl time.Duration) error {
	if name == "" || holder == "" {
		return errors.New("a lease needs a name and a holder")
	}
	if ttl <= 0 {
		return fmt.Errorf("a lease needs a positive time to live, not %s", ttl)
	}
	return nil
}

// NextLease is the rule every engine applies to take a lease: cur is
// refused (returned as it is) while someone else holds it; else holder
// has it until now+ttl, in a new epoch unless holder is renewing it.
func NextLease(cur Lease, holder string, ttl time.Duration, now time.Time) (Lease, bool) {
	if cur.Holder != holder && cur.Held(now) {
		return cur, false
	}
	next := Lease{Name: cur.Name, Holder: holder, Until: now.Add(ttl), Epoch: cur.Epoch}
	if cur.Holder != holder || !cur.Held(now) {
		next.Epoch++
	}
	return next, true
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
