package harvest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// windowServer answers 429 to any request that arrives while limit others arrived in the
// last window: the moving window Harvest counts with.
type windowServer struct {
	limit  int
	window time.Duration
	next   http.Handler

	mu       sync.Mutex
	arrivals []time.Time
	limited  int
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	recent := 0
	for _, a := range s.arrivals {
		if now.Sub(a) < s.window {
			recent++
		}
	}
	s.arrivals = append(s.arrivals, now)
	over := recent >= s.limit
	if over {
		s.limited++
	}
	s.mu.Unlock()
	if over {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.next.ServeHTTP(w, r)
}

// TestRateLimitEndToEnd runs a 500-page listing against a server with the client's own limit,
// in real time with a small window: it must take the fewest requests (no 429 at all) and never
// less than the window allows. How close it gets to that least time is a benchmark's business
// (BenchmarkHarvestExtract, docs/benchmarks.md): a timed upper bound fails on a loaded machine.
func TestRateLimitEndToEnd(t *testing.T) {
	const (
		pages  = 500
		limit  = 100
		window = 300 * time.Millisecond
	)
	srv := &windowServer{limit: limit, window: window, next: &fakeListing{t: t, key: "time_entries", pages: pages, perPage: 1}}
	c, err := New(Config{BaseURL: serve(t, srv).URL, AccessToken: testToken, AccountID: "1", RateLimit: limit, RateWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := 0
	if err := c.List(context.Background(), TimeEntries, nil, func(Page) error { got++; return nil }); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	least := time.Duration((pages-1)/limit) * window
	t.Logf("%d pages in %v (least %v, %.3fx)", got, took, least, float64(took)/float64(least))
	st := c.Stats()
	if got != pages || st.Requests != pages || srv.limited != 0 {
		t.Errorf("%d pages, %d requests, %d answered 429; want %d, %d, 0", got, st.Requests, srv.limited, pages, pages)
	}
	if took < least {
		t.Errorf("took %v, less than the %v the window allows: the limiter let too many through", took, least)
	}
}
