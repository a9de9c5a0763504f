package extract

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Landing leaves a core to the network: no more landing work runs at once than GOMAXPROCS less
// one, and at least one.
func TestLandingLeavesACore(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			l := NewLanding()
			want := int64(max(1, procs-1))
			var running, most atomic.Int64
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					_ = l.do(func() error {
						n := running.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						time.Sleep(5 * time.Millisecond)
						running.Add(-1)
						return nil
					})
				})
			}
			wg.Wait()
			if most.Load() != want {
				t.Errorf("GOMAXPROCS %d: %d ran at once, want %d", procs, most.Load(), want)
			}
		})
	}
}
