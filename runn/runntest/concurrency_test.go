package runntest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestConcurrentRequests(t *testing.T) {
	s, _ := startServer(t, testSeed(), Options{})
	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				date := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w*each+i).Format(time.DateOnly)
				for _, req := range []struct {
					method, path string
					body         any
					want         int
				}{
					{"POST", "/clients/", map[string]any{"name": fmt.Sprintf("Client %d-%d", w, i)}, http.StatusCreated},
					{"POST", "/actuals/", actualBody(map[string]any{"date": date}), http.StatusCreated},
					// Every worker writes this one key: it must stay one actual.
					{"POST", "/actuals/bulk/", map[string]any{"actuals": []any{actualBody(map[string]any{"date": "2025-02-28", "billableMinutes": w})}}, http.StatusOK},
					{"GET", "/actuals/?limit=500", nil, http.StatusOK},
				} {
					if r := do(t, s, req.method, req.path, req.body); r.status != req.want {
						errs <- fmt.Errorf("%s %s: %d %s", req.method, req.path, r.status, r.body)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := s.State()
	if got, want := len(st.Clients), 2+workers*each; got != want {
		t.Errorf("%d clients, want %d", got, want)
	}
	if got, want := len(st.Actuals), 3+workers*each+1; got != want {
		t.Errorf("%d actuals, want %d", got, want)
	}
	seen := map[int64]bool{}
	for _, c := range st.Clients {
		if seen[c.ID] {
			t.Errorf("client id %d given twice", c.ID)
		}
		seen[c.ID] = true
	}
	if n := len(s.Requests()); n != workers*each*4 {
		t.Errorf("%d requests logged, want %d", n, workers*each*4)
	}
}
