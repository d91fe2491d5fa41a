package store

import "time"

// Engine is everything ecsmedic keeps, whichever engine keeps it. *Store
// (bbolt, one file, one replica) is one; the DynamoDB engine, for several
// replicas sharing one table, is the other. Both are held to the same
// behaviour by one conformance suite. Each method is atomic on its own;
// the exactly-once ones (Transition, LockService, Claim,
// ClaimAnnouncement, AcquireLease) have exactly one winner among
// concurrent callers, across processes when the engine is shared.
//
// The interfaces the rest of ecsmedic uses are smaller and defined where
// they are used (change.Store, watch.Store, ...); Engine is what an
// engine must provide so that all of them are met.
type Engine interface {
	// Changes and their locks (changes.go).
	CreateChange(c Change) error
	Change(id string) (Change, error)
	Transition(id string, from []Status, to Status, mutate func(*Change) error) (Change, error)
	Changes(filter ChangeFilter) ([]Change, error)
	LockService(cluster, service, changeID string) error
	UnlockService(cluster, service, changeID string) error
	ServiceLock(cluster, service string) (changeID string, err error)

	// The audit log (audit.go).
	Audit(r AuditRecord) (AuditRecord, error)
	AuditLog(since time.Time, limit int) ([]AuditRecord, error)

	// Stopped tasks (stops.go).
	RecordStop(r StopRecord) (isNew bool, err error)
	Stop(taskArn string) (StopRecord, error)
	ClaimAnnouncement(taskArn string) (first bool, err error)
	SetStopAlert(taskArn, messageID, group string) error
	Stops(cluster, service string, since time.Time) ([]StopRecord, error)

	// The small key/value state and retention (kv.go).
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
	Claim(key, value string) (bool, error)
	Pairs() (map[string]string, error)
	Prune(before time.Time) (int, error)

	// Leases, for replicas (lease.go).
	AcquireLease(name, holder string, ttl time.Duration) (Lease, bool, error)
	ReleaseLease(name, holder string) error
	LeaseOf(name string) (Lease, error)

	Close() error
}

var _ Engine = (*Store)(nil)
