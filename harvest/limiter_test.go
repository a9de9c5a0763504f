package harvest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// grant is one request the limiter let start, on the fake clock.
type grant struct{ start, end time.Time }

// checkWindow fails unless every request started after the one limit places earlier had been
// answered for a whole window: then no moving window of the server's can hold limit+1 of them.
func checkWindow(t *testing.T, grants []grant, limit int, window time.Duration) {
	t.Helper()
	slices.SortFunc(grants, func(a, b grant) int { return a.start.Compare(b.start) })
	ends := make([]time.Time, len(grants))
	for i, g := range grants {
		ends[i] = g.end
	}
	slices.SortFunc(ends, time.Time.Compare)
	for i := limit; i < len(grants); i++ {
		if gap := grants[i].start.Sub(ends[i-limit]); gap <= window {
			t.Fatalf("request %d started %v after request %d was answered, within the %v window", i+1, gap, i-limit+1, window)
		}
	}
}

func TestLimiterFewestTimeFor500Requests(t *testing.T) {
	const (
		limit  = 100
		window = 3 * time.Second
		n      = 500
	)
	clock := newFakeClock()
	l := newWindowLimiter(limit, window, clock)
	t0 := clock.Now()
	var grants []grant
	for range n {
		tk, _, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		g := grant{start: clock.Now()}
		l.release(tk)
		g.end = clock.Now()
		grants = append(grants, g)
	}
	checkWindow(t, grants, limit, window)
	// The least time the window allows: the 401st..500th requests start 4 windows in.
	least := time.Duration((n-1)/limit) * window
	if took := grants[n-1].start.Sub(t0); took < least || took > least*110/100 {
		t.Errorf("500 requests took %v, want between %v and %v", took, least, least*110/100)
	}
	// The first window is used to the full: no token bucket's slow start, no premature pauses.
	if grants[limit-1].start != t0 || grants[limit].start == t0 {
		t.Errorf("first %d requests should start at once and the next wait", limit)
	}
}

func TestLimiterConcurrentUse(t *testing.T) {
	const (
		limit   = 7
		window  = time.Second
		workers = 5
		each    = 20
	)
	clock := newFakeClock()
	l := newWindowLimiter(limit, window, clock)
	var (
		mu     sync.Mutex
		grants []grant
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for range each {
				tk, _, err := l.acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				g := grant{start: clock.Now()}
				clock.Sleep(context.Background(), 10*time.Millisecond) // the request's round trip
				l.release(tk)
				g.end = clock.Now()
				mu.Lock()
				grants = append(grants, g)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(grants) != workers*each {
		t.Fatalf("%d grants, want %d", len(grants), workers*each)
	}
	checkWindow(t, grants, limit, window)
}

func TestLimiterWaitsForInFlightRequests(t *testing.T) {
	clock := newFakeClock()
	l := newWindowLimiter(1, time.Second, clock)
	first, _, err := l.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time)
	go func() {
		tk, _, err := l.acquire(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- clock.Now()
		l.release(tk)
	}()
	select {
	case <-got:
		t.Fatal("a second request started while the only slot was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	clock.Sleep(context.Background(), 5*time.Second) // a slow answer
	answered := clock.Now()
	l.release(first)
	if start := <-got; start.Sub(answered) <= time.Second {
		t.Errorf("second request started %v after the first was answered, want over a window", start.Sub(answered))
	}
}

func TestLimiterPauseHoldsEveryone(t *testing.T) {
	clock := newFakeClock()
	l := newWindowLimiter(100, time.Second, clock)
	until := clock.Now().Add(30 * time.Second)
	l.pauseUntil(until)
	l.pauseUntil(until.Add(-10 * time.Second)) // a shorter pause does not cut the longer one
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			tk, _, err := l.acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			if now := clock.Now(); now.Before(until) {
				t.Errorf("started at %v, before the pause ended at %v", now, until)
			}
			l.release(tk)
		})
	}
	wg.Wait()
}

func TestLimiterCancel(t *testing.T) {
	clock := newFakeClock()
	l := newWindowLimiter(1, time.Second, clock)
	if _, _, err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, _, err := l.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire with every slot in flight = %v, want context.Canceled", err)
	}
}
