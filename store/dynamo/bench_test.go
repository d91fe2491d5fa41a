package dynamo

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// BenchmarkOps times the store operations a bot makes, on the bbolt
// engine (a file on this machine) and on this engine against moto's
// DynamoDB on loopback, each op its own round trip:
//
//	go test ./store/dynamo -run '^$' -bench Ops -benchtime 200x
//
// moto is slower than DynamoDB's service time and has no network
// between, so the moto figures are the engine's calls, not a forecast.
func BenchmarkOps(b *testing.B) {
	engines := []struct {
		name string
		open func(b *testing.B) store.Engine
	}{
		{"bbolt", func(b *testing.B) store.Engine {
			s, err := store.Open(filepath.Join(b.TempDir(), "ecsmedic.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"dynamodb-moto", func(b *testing.B) store.Engine { return openMoto(b, nil) }},
	}
	for _, eng := range engines {
		ops := []struct {
			name string
			run  func(e store.Engine, i int) error
		}{
			{"create-and-approve", func(e store.Engine, i int) error {
				id := fmt.Sprintf("b%07d", i)
				if err := e.CreateChange(store.Change{ID: id, Cluster: "c", Service: "api"}); err != nil {
					return err
				}
				_, err := e.Transition(id, []store.Status{store.StatusPending}, store.StatusApproved, nil)
				return err
			}},
			{"claim", func(e store.Engine, i int) error { _, err := e.Claim(fmt.Sprintf("k%d", i), "v"); return err }},
			{"record-stop", func(e store.Engine, i int) error {
				_, err := e.RecordStop(store.StopRecord{TaskArn: fmt.Sprintf("arn:t%d", i), Cluster: "c", Service: "api", StoppedAt: time.Unix(int64(i), 0)})
				return err
			}},
			{"announce", func(e store.Engine, i int) error { _, err := e.ClaimAnnouncement("arn:t0"); return err }},
			{"stops-of-service", func(e store.Engine, i int) error { _, err := e.Stops("c", "api", time.Unix(0, 0)); return err }},
			{"lease-renew", func(e store.Engine, i int) error {
				_, _, err := e.AcquireLease("leader", "me", time.Minute)
				return err
			}},
			{"audit", func(e store.Engine, i int) error { _, err := e.Audit(store.AuditRecord{Event: "approved"}); return err }},
		}
		b.Run(eng.name, func(b *testing.B) {
			e := eng.open(b)
			for i := range 20 { // a service with some history
				if _, err := e.RecordStop(store.StopRecord{TaskArn: fmt.Sprintf("arn:t%d", i), Cluster: "c", Service: "api", StoppedAt: time.Unix(int64(i), 0)}); err != nil {
					b.Fatal(err)
				}
			}
			for _, op := range ops {
				b.Run(op.name, func(b *testing.B) {
					i := 1000
					for b.Loop() {
						i++
						if err := op.run(e, i); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
