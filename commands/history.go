package commands

import (
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// StopHistory reads the stops the bot recorded itself; *store.Store is one.
type StopHistory interface {
	Stops(cluster, service string, since time.Time) ([]store.StopRecord, error)
}
