package aws

import (
	"context"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// TestRoundTripsWithoutLatency: at 0 ms a call, `why`'s gather and the
// summary's take as many round trips as at 100 ms. Independent calls
// overlap whatever the latency: reads share the simulator's lock and
// metrics take none.
func TestRoundTripsWithoutLatency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		world  func(t *testing.T) *world.World
		gather func(*Clients) error
	}{
		{"why", func(t *testing.T) *world.World { return loadWorld(t, "backend137.yaml") }, func(c *Clients) error {
			_, err := c.GatherService(ctx, "codedang", "backend", GatherOptions{})
			return err
		}},
		{"summary", func(t *testing.T) *world.World { return manyServices(t, 50) }, func(c *Clients) error {
			_, err := c.GatherSummary(ctx, "club", nil, time.Time{}, time.Time{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trips := map[time.Duration]int{}
			for _, latency := range []time.Duration{0, 100 * time.Millisecond} {
				t.Run(latency.String(), inBubble(func(t *testing.T) {
					s, c := startSimRounds(t, tt.world(t), sim.Options{Latency: latency})
					if err := tt.gather(c); err != nil {
						t.Fatal(err)
					}
					trips[latency] = sim.RoundTrips(s.Calls())
				}))
			}
			if trips[0] != trips[100*time.Millisecond] || trips[0] == 0 {
				t.Errorf("round trips: %d at 0 ms, %d at 100 ms; want the same", trips[0], trips[100*time.Millisecond])
			}
			t.Logf("%d round trips", trips[0])
		})
	}
}
