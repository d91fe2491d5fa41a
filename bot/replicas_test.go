package bot

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestClaimPicksTheReplica: with Claim set (several replicas on a shared
// store), the bot answers only the events it claims; the others are
// another replica's, and it says nothing about them.
func TestClaimPicksTheReplica(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	h := startBot(t, harnessOptions{config: func(c *BotConfig) {
		c.Claim = func(id string) bool {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, id)
			return len(asked)%2 == 0 // the first event is another replica's
		}
	}})
	h.say(cmdChannel, userA, "!help")
	h.say(cmdChannel, userA, "!status backend")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.fake.WaitFor(ctx, func() bool { return len(h.fake.Messages(cmdChannel)) >= 1 }); err != nil {
		t.Fatal(err)
	}
	msgs := h.fake.Messages(cmdChannel)
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || asked[0] == asked[1] {
		t.Fatalf("claims asked for %v, want the two messages' ids", asked)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d answers, want 1 (the claimed one)", len(msgs))
	}
}
