package lazyre

import (
	"sync"
	"testing"
)

func TestNew(t *testing.T) {
	re := New(`^a+$`)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if !re().MatchString("aaa") || re().MatchString("ab") {
				t.Error("wrong match")
			}
		})
	}
	wg.Wait()
	if first := re(); re() != first {
		t.Error("compiled more than once")
	}
}
