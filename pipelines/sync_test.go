package pipelines

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// The clients redact their token from every body they keep: a token as short as "t" would
// redact the answers themselves.
const syncToken = "pipelines-test-token-0123456789"

// syncFakes serves a small generated Harvest account and an empty Runn.
func syncFakes(t *testing.T) (*harvesttest.Server, *runntest.Server) {
	t.Helper()
	srv := harvesttest.NewServer(harvesttest.Generate(harvesttest.GenerateOptions{Seed: 4, TimeEntries: 300}),
		harvesttest.Options{Token: syncToken, AccountID: "1"})
	t.Cleanup(srv.Close)
	rsrv, err := runntest.NewServer(&runntest.State{}, runntest.Options{Token: syncToken, Today: "2025-06-27", RateLimit: 6000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rsrv.Close)
	return srv, rsrv
}

func syncClients(t *testing.T) (*harvest.APIClient, *runn.API, *runntest.Server) {
	t.Helper()
	_, hc, rc, rsrv := syncServers(t)
	return hc, rc, rsrv
}

// syncServers is syncClients with the Harvest fake too, for tests that change Harvest between runs.
func syncServers(t *testing.T) (*harvesttest.Server, *harvest.APIClient, *runn.API, *runntest.Server) {
	t.Helper()
	srv, rsrv := syncFakes(t)
	hc, err := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: syncToken, AccountID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := runn.New(runn.Config{BaseURL: rsrv.URL(), Token: syncToken})
	if err != nil {
		t.Fatal(err)
	}
	return srv, hc, rc, rsrv
}

// A sync is one run through the three stages; a later sync prunes by the retention what is
// older, but never the run it just made, and a dry run prunes nothing.
func TestSyncOneRunAndRetention(t *testing.T) {
	ctx := context.Background()
	hc, rc, rsrv := syncClients(t)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	opts := SyncOptions{WarehousePath: path, Today: today, Window: extract.Window{From: today.AddDate(0, 0, -45), To: today},
		Autofill: true, Harvest: hc, Runn: rc, RetentionDays: 90}
	first, err := Sync(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.RunID != 1 || first.Status != warehouse.RunSucceeded || first.Stage != "done" || len(first.Extracts) != 2 ||
		first.Times.Load == 0 || first.Requests["runn"].Requests == 0 || first.Pruned != nil {
		t.Fatalf("first sync: %+v", first)
	}
	var created int
	for _, c := range first.Changes {
		created += c.Applied
	}
	if created == 0 || len(rsrv.State().Projects) == 0 {
		t.Fatalf("the first sync wrote nothing: %+v", first.Changes)
	}

	later := func() time.Time { return time.Now().AddDate(0, 0, 100) }
	dry := opts
	dry.DryRun, dry.Now = true, later
	d, err := Sync(ctx, dry)
	if err != nil || d.RunID != 2 || d.Pruned != nil {
		t.Fatalf("dry run: %+v %v", d, err)
	}
	opts.Now = later
	third, err := Sync(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if third.Pruned == nil || len(third.Pruned.Pruned) != 2 || third.Pruned.Pruned[0].RunID != 1 || third.Pruned.Pruned[1].RunID != 2 {
		t.Fatalf("the retention pruned %+v, want runs 1 and 2", third.Pruned)
	}
	var n int64
	r, err := warehouse.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.DB.Get(&n, `SELECT count(*) FROM meta.usable_extracts WHERE run_id = 3`); err != nil || n != 2 {
		t.Errorf("the run that pruned lost its own extracts: %d usable, %v", n, err)
	}
	var opt string
	if err := r.DB.Get(&opt, `SELECT options::VARCHAR FROM meta.runs WHERE run_id = 2`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dry_run":true`, `"window_from":"2025-05-13"`, `"only":["clients","projects","people","actuals"]`, `"autofill":true`} {
		if !strings.Contains(opt, want) {
			t.Errorf("run options %s lack %s", opt, want)
		}
	}
}
