package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

func linkSeed() *runntest.State {
	return &runntest.State{
		Clients: []runn.Client{
			{ID: 11, Name: "Acme", References: []runn.Reference{{ReferenceName: "CRM", ExternalID: "c-1"}}},
			{ID: 12, Name: "Taken", References: []runn.Reference{{ReferenceName: "HARVEST", ExternalID: "999"}}},
			{ID: 13, Name: "Mine", References: []runn.Reference{{ReferenceName: "harvest", ExternalID: " 103"}}},
		},
		Projects: []runn.Project{{ID: 21, Name: "Web", ClientID: 11}},
		People:   []runn.Person{{ID: 31, FirstName: "Ada", LastName: "L"}},
	}
}

var linkPairs = []LinkPair{
	{Kind: KindPerson, HarvestID: 301, RunnID: 31, Label: "Ada"},
	{Kind: KindProject, HarvestID: 201, RunnID: 21, Label: "Web"},
	{Kind: KindClient, HarvestID: 101, RunnID: 11, Label: "Acme"},
}

func linkRunOf(t *testing.T, w *warehouse.Warehouse) int64 {
	t.Helper()
	run, err := w.StartRun(context.Background(), KindLinkRun, fixedNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run.ID
}

func refNames(refs []runn.Reference) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.ReferenceName+":"+r.ExternalID)
	}
	return out
}

// R16: links are written clients, projects, then people, each PATCH preceded by a read, with the
// whole list: the references the record had are kept.
func TestLinkOrderAndKeptReferences(t *testing.T) {
	w := testwarehouse.Open(t)
	srv := startFake(t, linkSeed(), runntestOpts())
	res, err := Link(context.Background(), w, newClient(t, srv, nil, nil), LinkOptions{RunID: linkRunOf(t, w), Pairs: linkPairs})
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	for _, r := range srv.Requests() {
		calls = append(calls, r.Method+" "+r.Path)
	}
	want := []string{"GET /clients/11", "PATCH /clients/11", "GET /projects/21", "PATCH /projects/21", "GET /people/31", "PATCH /people/31"}
	if !slices.Equal(calls, want) {
		t.Errorf("requests %v, want %v", calls, want)
	}
	st := srv.State()
	if got := refNames(st.Clients[0].References); !slices.Equal(got, []string{"CRM:c-1", "Harvest:101"}) {
		t.Errorf("client 11 references %v", got)
	}
	if tot := res.Totals(); tot.Applied != 3 || tot.Planned != 3 {
		t.Errorf("totals %+v", tot)
	}
}

// R16: killed at any request (before it is sent, or after Runn applied it with the answer
// lost), then resumed, a link leaves each reference exactly once and the trail settled.
func TestLinkKillAndResume(t *testing.T) {
	for n := int64(1); n <= 6; n++ {
		for _, afterApply := range []bool{false, true} {
			t.Run(fmt.Sprintf("request %d answer lost %v", n, afterApply), func(t *testing.T) {
				w := testwarehouse.Open(t)
				runID := linkRunOf(t, w)
				srv := startFake(t, linkSeed(), runntestOpts())
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				k := &killer{n: n, afterApply: afterApply, cancel: cancel}
				api := newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k })
				if _, err := Link(ctx, w, api, LinkOptions{RunID: runID, Pairs: linkPairs}); !errors.Is(err, context.Canceled) {
					t.Fatalf("killed link: %v", err)
				}
				res, err := Link(context.Background(), w, newClient(t, srv, nil, nil), LinkOptions{RunID: runID, Pairs: linkPairs})
				if err != nil {
					t.Fatalf("resumed: %v", err)
				}
				st := srv.State()
				for _, got := range [][]string{refNames(st.Clients[0].References), refNames(st.Projects[0].References), refNames(st.People[0].References)} {
					n := 0
					for _, r := range got {
						if r == "Harvest:101" || r == "Harvest:201" || r == "Harvest:301" {
							n++
						}
					}
					if n != 1 {
						t.Errorf("references %v: want the Harvest one exactly once", got)
					}
				}
				if tot := res.Totals(); tot.AlreadyDone+tot.Applied+tot.Reconciled != 3 {
					t.Errorf("resumed totals %+v", tot)
				}
				assertTrailSettled(t, w.DB, runID)
				// Every link the run made is the run's to revert, the reconciled one included.
				if _, err := Revert(context.Background(), w, newClient(t, srv, nil, nil), RevertOptions{RunID: runID}); err != nil {
					t.Fatal(err)
				}
				st = srv.State()
				if got := refNames(slices.Concat(st.Clients[0].References, st.Projects[0].References, st.People[0].References)); !slices.Equal(got, []string{"CRM:c-1"}) {
					t.Errorf("after revert: %v, want only CRM:c-1", got)
				}
			})
		}
	}
}

// R16: what a link does when the record is not as the pairs expected, and what a revert of the
// run then removes.
func TestLinkOutcomesAndRevert(t *testing.T) {
	tests := []struct {
		name       string
		pair       LinkPair
		fault      *runntest.Fault
		wantStatus string // the pair's last outcome in the trail
		wantErr    error
		wantRefs   []string // the record's references after the link, then after the revert
		wantAfter  []string
	}{
		{name: "linked", pair: LinkPair{Kind: KindClient, HarvestID: 101, RunnID: 11}, wantStatus: statusConfirmed,
			wantRefs: []string{"CRM:c-1", "Harvest:101"}, wantAfter: []string{"CRM:c-1"}},
		{name: "another Harvest reference is not overwritten", pair: LinkPair{Kind: KindClient, HarvestID: 102, RunnID: 12},
			wantStatus: statusSkipped, wantErr: ErrRejected, wantRefs: []string{"HARVEST:999"}, wantAfter: []string{"HARVEST:999"}},
		{name: "carries it already: adopted, not the run's to revert", pair: LinkPair{Kind: KindClient, HarvestID: 103, RunnID: 13},
			wantStatus: statusConfirmed, wantRefs: []string{"harvest: 103"}, wantAfter: []string{"harvest: 103"}},
		{name: "gone from Runn", pair: LinkPair{Kind: KindClient, HarvestID: 104, RunnID: 19}, wantStatus: statusSkipped, wantErr: ErrRejected},
		{name: "refused by Runn", pair: LinkPair{Kind: KindProject, HarvestID: 201, RunnID: 21},
			fault:      &runntest.Fault{Method: "PATCH", Kind: runntest.ServerError, Status: http.StatusBadRequest},
			wantStatus: statusRejected, wantErr: ErrRejected, wantRefs: []string{}, wantAfter: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testwarehouse.Open(t)
			runID := linkRunOf(t, w)
			srv := startFake(t, linkSeed(), runntestOpts())
			if tt.fault != nil {
				srv.InjectFault(*tt.fault)
			}
			api := newClient(t, srv, nil, nil)
			_, err := Link(context.Background(), w, api, LinkOptions{RunID: runID, Pairs: []LinkPair{tt.pair}})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			var status string
			if err := w.DB.Get(&status, `SELECT status FROM audit.write_log WHERE run_id = ? ORDER BY write_id DESC LIMIT 1`, runID); err != nil {
				t.Fatal(err)
			}
			if status != tt.wantStatus {
				t.Errorf("trail status %q, want %q", status, tt.wantStatus)
			}
			if tt.wantRefs == nil {
				return
			}
			if got := recordRefs(srv.State(), tt.pair); !slices.Equal(got, tt.wantRefs) {
				t.Errorf("references %v, want %v", got, tt.wantRefs)
			}
			if _, err := Revert(context.Background(), w, api, RevertOptions{RunID: runID}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			if got := recordRefs(srv.State(), tt.pair); !slices.Equal(got, tt.wantAfter) {
				t.Errorf("references after revert %v, want %v", got, tt.wantAfter)
			}
		})
	}
}

func recordRefs(st *runntest.State, p LinkPair) []string {
	switch p.Kind {
	case KindClient:
		return refNames(st.Clients[slices.IndexFunc(st.Clients, func(c runn.Client) bool { return c.ID == p.RunnID })].References)
	case KindProject:
		return refNames(st.Projects[slices.IndexFunc(st.Projects, func(c runn.Project) bool { return c.ID == p.RunnID })].References)
	}
	return refNames(st.People[slices.IndexFunc(st.People, func(c runn.Person) bool { return c.ID == p.RunnID })].References)
}

// R16: a revert removes the reference only where the record still carries it, and a second
// revert changes nothing.
func TestRevertLinkOnlyWhereStillCarried(t *testing.T) {
	w := testwarehouse.Open(t)
	runID := linkRunOf(t, w)
	srv := startFake(t, linkSeed(), runntestOpts())
	api := newClient(t, srv, nil, nil)
	if _, err := Link(context.Background(), w, api, LinkOptions{RunID: runID, Pairs: linkPairs}); err != nil {
		t.Fatal(err)
	}
	// Someone removed the person's reference by hand meanwhile.
	if _, err := api.SetPersonReferences(context.Background(), 31, []runn.Reference{}); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())
	res, err := Revert(context.Background(), w, api, RevertOptions{RunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	patches := 0
	for _, r := range srv.Requests()[before:] {
		if r.Method == http.MethodPatch {
			patches++
		}
	}
	if tot := res.Totals(); patches != 2 || tot.Applied != 2 || tot.Skipped != 1 {
		t.Errorf("revert sent %d PATCHes, totals %+v; want 2 and 1 skipped", patches, tot)
	}
	before = len(srv.Requests())
	if _, err := Revert(context.Background(), w, api, RevertOptions{RunID: runID}); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method == http.MethodPatch {
			t.Errorf("a second revert sent %s %s", r.Method, r.Path)
		}
	}
}

// R16: a link run writes references, not minutes: a sync planned before it may still be loaded.
func TestLinkRunDoesNotMakeAPlanOld(t *testing.T) {
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	planned := planRun(t, w, seed, Plan{Actuals: resolvedActuals(scenarioPlan())[:3]})
	linkSrv := startFake(t, linkSeed(), runntestOpts())
	if _, err := Link(context.Background(), w, newClient(t, linkSrv, nil, nil), LinkOptions{RunID: linkRunOf(t, w), Pairs: linkPairs}); err != nil {
		t.Fatal(err)
	}
	srv := startFake(t, seed, runntestOpts())
	if _, err := applyRun(t, w, newClient(t, srv, nil, nil), planned); err != nil {
		t.Errorf("the load of run %d planned before a link run: %v", planned, err)
	}
}
