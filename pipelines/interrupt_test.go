package pipelines

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/extract"
	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// stopAtBulk lets the first POST /actuals/bulk/ reach Runn, then stops the run (a SIGTERM):
// with loseAnswer, the answer never reaches the load either (the process died, or the network
// went, before it arrived).
type stopAtBulk struct {
	base       http.RoundTripper
	cancel     context.CancelFunc
	once       sync.Once
	armed      bool
	loseAnswer bool
}

func (k *stopAtBulk) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.base.RoundTrip(r)
	if err != nil || !k.armed || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/actuals/bulk/") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	k.once.Do(k.cancel)
	if k.loseAnswer {
		return nil, errors.New("connection reset by peer")
	}
	return resp, nil
}

// syncDeleteSync runs a sync, stopped (or not) at its first bulk actuals call, deletes in
// Harvest the time of one actual that call sent, and syncs again. It returns what Runn then
// holds on that actual's key.
func syncDeleteSync(t *testing.T, interrupt, loseAnswer bool) int64 {
	srv, rsrv := syncFakes(t)
	hc, _ := harvest.New(harvest.Config{BaseURL: srv.URL(), AccessToken: syncToken, AccountID: "1"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := &stopAtBulk{base: http.DefaultTransport, cancel: cancel, armed: interrupt, loseAnswer: loseAnswer}
	rc, _ := runn.New(runn.Config{BaseURL: rsrv.URL(), Token: syncToken, HTTPClient: &http.Client{Transport: k}})
	path := filepath.Join(t.TempDir(), "w.duckdb")
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	opts := SyncOptions{WarehousePath: path, Today: today, Window: extract.Window{From: today.AddDate(0, 0, -45), To: today},
		Autofill: false, Harvest: hc, Runn: rc}
	r1, err := Sync(ctx, opts)
	t.Logf("run 1: status %s err %v", r1.Status, err)
	// Pick one actual of the first bulk call with minutes > 0 and its Harvest identity.
	r, err := warehouse.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var row struct {
		Key    string `db:"target_key"`
		Person int64  `db:"runn_person_id"`
		Proj   int64  `db:"runn_project_id"`
		Date   string `db:"d"`
		Status string `db:"status"`
	}
	err = r.DB.Get(&row, `SELECT target_key, runn_person_id, runn_project_id, strftime(date, '%Y-%m-%d') AS d, status FROM audit.write_log
		WHERE run_id = 1 AND kind = 'actual' AND request_id = (SELECT min(request_id) FROM audit.write_log WHERE run_id = 1 AND kind = 'actual')
		AND billable_minutes + nonbillable_minutes > 0 ORDER BY write_id LIMIT 1`)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first bulk item: %+v", row)
	// "DATE person harvest:U project harvest:P role ..."
	f := strings.Fields(row.Key)
	u, _ := strconv.ParseInt(strings.TrimPrefix(f[2], "harvest:"), 10, 64)
	p, _ := strconv.ParseInt(strings.TrimPrefix(f[4], "harvest:"), 10, 64)
	n := 0
	for _, e := range srv.Account().TimeEntries {
		if e.User.ID == u && e.Project.ID == p && e.SpentDate == row.Date {
			if err := srv.DeleteTimeEntry(e.ID); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	t.Logf("deleted %d Harvest entries of user %d project %d on %s", n, u, p, row.Date)
	k.armed = false
	r2, err := Sync(context.Background(), opts)
	t.Logf("run 2: status %s err %v changes %+v", r2.Status, err, r2.Changes)
	var minutes int64
	for _, a := range rsrv.State().Actuals {
		if a.PersonID == row.Person && a.ProjectID == row.Proj && a.Date == row.Date {
			minutes += int64(a.BillableMinutes + a.NonbillableMinutes)
		}
	}
	return minutes
}

// R11 after an interrupted load: whether the answer of a bulk call that Runn applied was
// recorded (the signal came after it arrived) or lost, the next sync owns those keys and follows
// a deletion in Harvest with a 0.
func TestSyncFollowsDeletionAfterInterruptedLoad(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		interrupt, loseAnswer bool
	}{
		{"uninterrupted", false, false},
		{"stopped after the answer", true, false},
		{"stopped with the answer lost", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if m := syncDeleteSync(t, tc.interrupt, tc.loseAnswer); m != 0 {
				t.Errorf("Runn still holds %d minutes Harvest no longer has (R11)", m)
			}
		})
	}
}
