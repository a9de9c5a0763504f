package pipelines

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// writes counts the requests that change Runn.
func writes(rs []runntest.Request) int {
	n := 0
	for _, r := range rs {
		if r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

// R17 (b) and (c): every time entry of the window gone from Harvest after a sync is what an
// incident looks like (a listing answered empty). The run stops before load with the figures,
// sends nothing, and records the stops; --allow-large-changes lifts them for one run, and the
// zeros of R11 are then written.
func TestSyncR17StopsAMassDeletionUntilAllowed(t *testing.T) {
	ctx := context.Background()
	srv, hc, rc, rsrv := syncServers(t)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	opts := SyncOptions{WarehousePath: path, Today: today, Window: extract.Window{From: today.AddDate(0, 0, -45), To: today},
		Autofill: false, Harvest: hc, Runn: rc}
	first, err := Sync(ctx, opts)
	if err != nil || len(first.SafetyStops) != 0 {
		t.Fatalf("first sync: %v, stops %+v", err, first.SafetyStops)
	}
	actualsBefore := len(rsrv.State().Actuals)
	if actualsBefore < 30 {
		t.Fatalf("the first sync wrote %d actuals: too few for R17 (c) to matter", actualsBefore)
	}

	for _, e := range srv.Account().TimeEntries {
		if err := srv.DeleteTimeEntry(e.ID); err != nil {
			t.Fatal(err)
		}
	}
	before := len(rsrv.Requests())
	second, err := Sync(ctx, opts)
	if !errors.Is(err, ErrSafetyStop) {
		t.Fatalf("second sync: err = %v, want a safety stop", err)
	}
	if second.Status != warehouse.RunFailed || second.Stage != "transform" {
		t.Fatalf("second sync: status %s, stage %s", second.Status, second.Stage)
	}
	if n := writes(rsrv.Requests()[before:]); n != 0 {
		t.Fatalf("a stopped run sent %d writes to Runn", n)
	}
	stops := map[string]SafetyStop{}
	for _, s := range second.SafetyStops {
		stops[s.Stop+" "+s.Listing] = s
		if s.Lifted {
			t.Errorf("stop %+v is lifted without --allow-large-changes", s)
		}
	}
	c, ok := stops["R17c owned_keys"]
	if !ok || c.Got <= 20 || c.Got*10 <= c.Expected {
		t.Fatalf("R17 (c) stop missing or wrong: %+v", second.SafetyStops)
	}
	if h, ok := stops["R17b time_entries"]; !ok || h.Got != 0 || h.Expected < 50 {
		t.Fatalf("R17 (b) stop on Harvest's time entries missing or wrong: %+v", second.SafetyStops)
	}
	planned := 0
	for _, ch := range second.Changes {
		planned += ch.Planned
	}
	if planned == 0 {
		t.Fatalf("a stopped run shows no plan: what it would have done is part of the report")
	}

	st, err := Status(ctx, path)
	if err != nil || len(st.SafetyStops) != len(second.SafetyStops) {
		t.Fatalf("status shows %d stops, want %d (%v)", len(st.SafetyStops), len(second.SafetyStops), err)
	}

	allowed := opts
	allowed.AllowLargeChanges = true
	third, err := Sync(ctx, allowed)
	if err != nil {
		t.Fatalf("sync with --allow-large-changes: %v", err)
	}
	if len(third.SafetyStops) == 0 {
		t.Fatalf("the lifted stops are not reported")
	}
	for _, s := range third.SafetyStops {
		if !s.Lifted {
			t.Errorf("stop %+v not marked lifted", s)
		}
	}
	zeroed := 0
	for _, a := range rsrv.State().Actuals {
		if a.BillableMinutes+a.NonbillableMinutes == 0 {
			zeroed++
		}
	}
	if int64(zeroed) < c.Got {
		t.Fatalf("after the allowed run, %d actuals are 0, want at least %d (R11)", zeroed, c.Got)
	}
}
