package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// inFlightKiller kills the load while several writes to one path are in flight at once: it
// holds each POST to prefix until hold of them are in flight, then cancels the load and fails
// them all. Every other one reached Runn first (its answer is lost), the rest never left.
type inFlightKiller struct {
	base    http.RoundTripper
	prefix  string
	hold    int
	cancel  context.CancelFunc
	mu      sync.Mutex
	arrived int
	held    int
	applied int
	release chan struct{}
	alone   bool // hold writes were never in flight at once
}

func (k *inFlightKiller) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, k.prefix) {
		return k.base.RoundTrip(r)
	}
	k.mu.Lock()
	k.arrived++
	n := k.arrived
	k.mu.Unlock()
	if n > k.hold {
		return nil, fmt.Errorf("killed: %w", context.Canceled)
	}
	if n%2 == 1 {
		if resp, err := k.base.RoundTrip(r); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			k.mu.Lock()
			k.applied++
			k.mu.Unlock()
		}
	}
	// Counted as held only once Runn has answered it (when it is sent): the kill comes when all
	// are held, so none is cut short on its way.
	k.mu.Lock()
	k.held++
	if k.held == k.hold {
		close(k.release) // first: a held request that sees the cancel must know it is the kill
		k.cancel()
	}
	k.mu.Unlock()
	select {
	case <-k.release:
	case <-r.Context().Done():
		select {
		case <-k.release: // the kill itself
		default: // another held request's guard, before hold writes were in flight
			k.mu.Lock()
			k.alone = true
			k.mu.Unlock()
		}
	case <-time.After(30 * time.Second):
		// Not a speed bound: a load that never has hold writes in flight would wait forever.
		k.mu.Lock()
		k.alone = true
		k.mu.Unlock()
		k.cancel()
	}
	return nil, fmt.Errorf("killed with %d writes in flight: %w", k.hold, context.Canceled)
}

// TestKillWithSeveralWritesInFlight (R14, R15, issue 14): creates of one kind and bulk actuals
// calls go several at once; a load killed while three of them are in flight (two applied by Runn
// with the answer lost, one never sent) and run again leaves Runn as an uninterrupted load does:
// every record created once (the rerun finds the applied ones by reading Runn), every actual
// equal, and the audit trail complete: each change confirmed, no request without its intents.
func TestKillWithSeveralWritesInFlight(t *testing.T) {
	want := expectedState(t)
	for _, prefix := range []string{"/projects/", "/people/", bulkActualsPath} {
		t.Run(prefix, func(t *testing.T) {
			w := testwarehouse.Open(t)
			seed := scenarioSeed()
			runID := planRun(t, w, seed, scenarioPlan())
			// No rate limit: the first request of each window goes alone (runn's probe), and a
			// kill that holds it would wait for company that cannot come.
			srv := startFake(t, seed, runntest.Options{RateLimit: runntest.RateLimitDisabled})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			k := &inFlightKiller{prefix: prefix, hold: 3, cancel: cancel, release: make(chan struct{})}
			// No HTTP timeout: held requests wait for the kill, or for the killer's own guard,
			// however slow a loaded machine is to get the three in flight.
			api := newClientTimeout(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k }, 0)
			if _, err := Apply(ctx, w, api, Options{RunID: runID, Workers: 3}); !errors.Is(err, context.Canceled) {
				t.Fatalf("killed load: err %v, want context.Canceled", err)
			}
			if k.alone {
				t.Fatalf("the load never had 3 writes to %s in flight at once", prefix)
			}
			reached := 0
			for _, r := range srv.Requests() {
				if r.Method == http.MethodPost && strings.HasPrefix(r.Path, prefix) {
					reached++
				}
			}
			if k.applied != 2 || reached != 2 {
				t.Fatalf("%d writes reached Runn before the kill (%d answered), want 2", reached, k.applied)
			}
			res, err := applyRun(t, w, newClient(t, srv, nil, nil), runID)
			if err != nil {
				t.Fatalf("rerun: %v", err)
			}
			if d := diffStates(want, srv.State()); d != "" {
				t.Fatalf("Runn after kill and rerun differs from an uninterrupted load (-want +got):\n%s", d)
			}
			if prefix != bulkActualsPath && res.Totals().Reconciled != 2 {
				t.Errorf("the rerun found %d creates by reading Runn, want the 2 applied unanswered", res.Totals().Reconciled)
			}
			creates := map[string]int{}
			for _, r := range srv.Requests() {
				if r.Method == http.MethodPost && r.Path != bulkActualsPath && r.Status/100 == 2 {
					creates[r.Path]++
				}
			}
			if total := creates["/projects/"] + creates["/people/"] + creates["/roles/"] + creates["/clients/"]; total != 10 {
				t.Errorf("Runn created %d records in both loads (%v), want each of the 10 once", total, creates)
			}
			assertTrailSettled(t, w.DB, runID)
		})
	}
}
