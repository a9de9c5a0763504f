package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// expectedState is Runn after an uninterrupted load of the scenario.
func expectedState(t *testing.T) *runntest.State {
	t.Helper()
	st, _ := expectedRun(t)
	return st
}

// expectedRun is Runn after an uninterrupted load of the scenario, and the requests it took.
func expectedRun(t *testing.T) (*runntest.State, []runntest.Request) {
	t.Helper()
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, scenarioPlan())
	srv := startFake(t, seed, runntestOpts())
	if _, err := applyRun(t, w, newClient(t, srv, nil, nil), runID); err != nil {
		t.Fatal(err)
	}
	return srv.State(), srv.Requests()
}

// A load killed at any request, before it is sent or after Runn applied it with the answer lost,
// then run again, leaves Runn exactly as an uninterrupted load does: no duplicate record, every
// actual equal. The rerun finds unanswered creates by reading Runn instead of creating them again.
func TestKillAndRerun(t *testing.T) {
	want, requests := expectedRun(t)
	if len(requests) != scenarioRequests {
		t.Fatalf("the uninterrupted load took %d requests, want %d", len(requests), scenarioRequests)
	}
	for n := int64(1); n <= scenarioRequests; n++ {
		for _, afterApply := range []bool{false, true} {
			name := fmt.Sprintf("request %d before sending", n)
			if afterApply {
				name = fmt.Sprintf("request %d answer lost", n)
			}
			t.Run(name, func(t *testing.T) {
				w := testwarehouse.Open(t)
				seed := scenarioSeed()
				runID := planRun(t, w, seed, scenarioPlan())
				srv := startFake(t, seed, runntestOpts())
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				k := &killer{n: n, afterApply: afterApply, cancel: cancel}
				api := newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k })
				killed, err := Apply(ctx, w, api, Options{RunID: runID})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("killed load: err %v, want context.Canceled", err)
				}
				rerunCreates := &createCounter{}
				res, err := applyRun(t, w, newClient(t, srv, nil, rerunCreates.wrap), runID)
				if err != nil {
					t.Fatalf("rerun: %v", err)
				}
				if d := diffStates(want, srv.State()); d != "" {
					t.Fatalf("Runn after kill and rerun differs from an uninterrupted load (-want +got):\n%s", d)
				}
				tot := res.Totals()
				if tot.AlreadyDone+tot.Applied+tot.Reconciled != tot.Planned {
					t.Errorf("rerun totals %+v do not account for every change", tot)
				}
				// The rerun reads Runn for exactly the creates that landed with their answer lost:
				// the one killed after it landed, and others of its kind in flight with it (issue
				// 14). Runn made them in the killed load, and the killed load got no answer.
				landed := createsMade(srv.Requests()) - int(rerunCreates.made.Load())
				if want := landed - createsApplied(killed); tot.Reconciled != want {
					t.Errorf("the rerun reconciled %d creates, want %d: %d landed in the killed load, which got the answer of %d",
						tot.Reconciled, want, landed, createsApplied(killed))
				}
				assertTrailSettled(t, w.DB, runID)
			})
		}
	}
}

// createCounter counts the creates Runn made through one client (its transport).
type createCounter struct {
	base http.RoundTripper
	made atomic.Int64
}

func (c *createCounter) wrap(rt http.RoundTripper) http.RoundTripper { c.base = rt; return c }

func (c *createCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil && isCreate(r.Method, r.URL.Path) && resp.StatusCode/100 == 2 {
		c.made.Add(1)
	}
	return resp, err
}

// isCreate tells a create from the load's other requests: reads and bulk actuals calls.
func isCreate(method, path string) bool { return method == http.MethodPost && path != bulkActualsPath }

// createsMade counts the creates Runn made among reqs, answered or not.
func createsMade(reqs []runntest.Request) int {
	n := 0
	for _, r := range reqs {
		if isCreate(r.Method, r.Path) && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// createsApplied counts the creates a load confirmed by Runn's answer.
func createsApplied(res Result) int {
	n := 0
	for _, c := range res.Counts {
		if c.Kind != KindActual {
			n += c.Applied
		}
	}
	return n
}

// Killed, then killed again while the rerun reconciles or resends, then run to the end.
func TestKillTwice(t *testing.T) {
	want := expectedState(t)
	for _, kills := range [][2]int64{{5, 1}, {8, 2}, {9, 3}, {12, 1}} {
		t.Run(fmt.Sprintf("requests %d then %d", kills[0], kills[1]), func(t *testing.T) {
			w := testwarehouse.Open(t)
			seed := scenarioSeed()
			runID := planRun(t, w, seed, scenarioPlan())
			srv := startFake(t, seed, runntestOpts())
			for _, n := range kills {
				ctx, cancel := context.WithCancel(context.Background())
				k := &killer{n: n, afterApply: true, cancel: cancel}
				api := newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k })
				_, err := Apply(ctx, w, api, Options{RunID: runID})
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("load killed at request %d: %v", n, err)
				}
			}
			if _, err := applyRun(t, w, newClient(t, srv, nil, nil), runID); err != nil {
				t.Fatal(err)
			}
			if d := diffStates(want, srv.State()); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
			assertTrailSettled(t, w.DB, runID)
		})
	}
}

// Faults Runn or the network may produce: each load either succeeds or stops, and running it
// again (without faults) ends with the uninterrupted state.
func TestFaultsThenRerun(t *testing.T) {
	want := expectedState(t)
	for _, tc := range []struct {
		name   string
		faults []runntest.Fault
		// reconciled is how many creates the first load must have found by reading Runn.
		reconciled int
	}{
		{name: "429 storm on every write", faults: []runntest.Fault{{Method: "POST", Kind: runntest.ServerError, Status: 429, Times: 6}}},
		// Longer than one call's attempts: the first load stops, the rerun goes through the rest.
		{name: "429 storm on reads and writes", faults: []runntest.Fault{{Kind: runntest.ServerError, Status: 429, Times: 12}}},
		{name: "5xx on people creates", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/people/", Kind: runntest.ServerError, Times: 2}}},
		{name: "5xx on every create, more than the load retries", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/roles/", Kind: runntest.ServerError, Times: 5}}},
		{name: "5xx on bulk calls", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/actuals/", Kind: runntest.ServerError, Status: 503, Times: 3}}},
		{name: "lost answer to a role create", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/roles/", Kind: runntest.LostResponse}}, reconciled: 1},
		{name: "lost answer to a client create", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/clients/", Kind: runntest.LostResponse}}, reconciled: 1},
		{name: "lost answers to project creates", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/projects/", Kind: runntest.LostResponse, Times: 3}}, reconciled: 3},
		{name: "lost answers to person creates", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/people/", Kind: runntest.LostResponse, Times: 2}}, reconciled: 2},
		{name: "lost answer to a bulk call", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/actuals/bulk/", Kind: runntest.LostResponse, Times: 2}}},
		{name: "connection reset on creates", faults: []runntest.Fault{{Method: "POST", PathPrefix: "/clients/", Kind: runntest.ResetConnection, Times: 2}}},
		{name: "bulk applied in part", faults: []runntest.Fault{{Kind: runntest.PartialBulk, ApplyItems: 40, Times: 2}}},
		{name: "everything at once", faults: []runntest.Fault{
			{Method: "POST", PathPrefix: "/people/", Kind: runntest.LostResponse},
			{Kind: runntest.PartialBulk, ApplyItems: 10},
			{Method: "GET", Kind: runntest.ServerError, Times: 2},
			{Method: "POST", Kind: runntest.ServerError, Status: 429, Times: 3},
			{Method: "POST", PathPrefix: "/projects/", Kind: runntest.ServerError, Status: 502},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testwarehouse.Open(t)
			seed := scenarioSeed()
			runID := planRun(t, w, seed, scenarioPlan())
			srv := startFake(t, seed, runntestOpts())
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			res, err := applyRun(t, w, newClient(t, srv, nil, nil), runID)
			if err != nil {
				t.Logf("first load stopped (a rerun resumes): %v", err)
				if _, err := applyRun(t, w, newClient(t, srv, nil, nil), runID); err != nil {
					t.Fatalf("rerun: %v", err)
				}
			}
			if tc.reconciled > 0 && (err != nil || res.Totals().Reconciled != tc.reconciled) {
				t.Errorf("first load: err %v, %d creates found by reading Runn, want %d", err, res.Totals().Reconciled, tc.reconciled)
			}
			if d := diffStates(want, srv.State()); d != "" {
				t.Fatalf("Runn differs from an uninterrupted load (-want +got):\n%s", d)
			}
			assertTrailSettled(t, w.DB, runID)
		})
	}
}

// A real rate limit, far below what the load would send: the client, configured with the
// default limit, learns Runn's from the x-ratelimit-* headers (its first request goes alone, so
// the reads that start with the load do not spend a guess) and follows 429s (on a virtual
// clock); the load completes with every write and no 429 but the injected ones.
func TestRateLimited(t *testing.T) {
	want := expectedState(t)
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	runID := planRun(t, w, seed, scenarioPlan())
	clock := testkit.NewFakeClock(fixedNow)
	srv := startFake(t, seed, runntest.Options{RateLimit: 2, RateWindow: time.Minute, Now: clock.Now})
	// Some 429s on top, as Runn sends when its count and ours disagree.
	srv.InjectFault(runntest.Fault{Method: "POST", Kind: runntest.ServerError, Status: 429, Times: 3})
	res, err := applyRun(t, w, srv.Client(t, runn.Config{Clock: clock, RateLimit: runn.DefaultRateLimit}), runID)
	if err != nil {
		t.Fatal(err)
	}
	// 17 requests at 2 a minute, a burst of 2: at least 7.5 minutes of (virtual) waiting.
	if waited := clock.Now().Sub(fixedNow); res.RateLimited != 3 || waited < 7*time.Minute+30*time.Second {
		t.Errorf("rate limited %d times (want 3), waited %s: the limit did not bite", res.RateLimited, waited)
	}
	if d := diffStates(want, srv.State()); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

// assertTrailSettled checks that every change of the run ended confirmed in the trail, and that
// no request was recorded without its intent rows.
func assertTrailSettled(t *testing.T, w interface {
	GetContext(ctx context.Context, dest any, q string, args ...any) error
}, runID int64) {
	t.Helper()
	var unsettled, orphans int
	if err := w.GetContext(context.Background(), &unsettled, `SELECT count(*) FROM (
		SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply'
		QUALIFY row_number() OVER (PARTITION BY kind, target_key ORDER BY write_id DESC) = 1) WHERE status <> 'confirmed'`, runID); err != nil {
		t.Fatal(err)
	}
	if err := w.GetContext(context.Background(), &orphans, `SELECT count(*) FROM audit.requests AS q
		WHERE NOT EXISTS (SELECT 1 FROM audit.writes AS w WHERE w.request_id = q.request_id)`); err != nil {
		t.Fatal(err)
	}
	if unsettled != 0 || orphans != 0 {
		t.Errorf("trail: %d changes not confirmed, %d requests without intents", unsettled, orphans)
	}
}

var _ runn.Clock = (*testkit.FakeClock)(nil)
