package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/store/storetest"
)

// TestConformance holds the bbolt engine to the behaviour every engine
// shares (store/storetest).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk *storetest.Clock) store.Engine {
		s, err := store.Open(filepath.Join(t.TempDir(), "ecsmedic.db"), store.Options{Now: clk.Now, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}, storetest.Options{})
}
