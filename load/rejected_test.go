package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// Runn refuses some records: a person whose role does not exist, actuals on a tentative project
// and after today mixed into bulk calls. Everything else lands; the refused are reported with
// Runn's message, what depends on them with the reason; the load ends with ErrRejected.
func TestRejectedRecords(t *testing.T) {
	w := testwarehouse.Open(t)
	seed := scenarioSeed()
	p := Plan{People: []PersonChange{
		{HarvestUserID: 2009, FirstName: "Gil", LastName: "Gone", RunnRoleID: testkit.Ptr[int64](99999), Rule: "R2 R5 R6"},
	}}
	start, _ := time.Parse(time.DateOnly, "2025-04-01")
	bad := map[string]string{}
	for i := range 150 {
		d := start.AddDate(0, 0, i).Format(time.DateOnly)
		c := ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](880001), RunnProjectID: testkit.Ptr[int64](402001), RunnRoleID: testkit.Ptr[int64](21801),
			BillableMinutes: int64(60 + i), Rule: "R10"}
		switch {
		case i%40 == 7:
			c.RunnProjectID = testkit.Ptr[int64](402002) // tentative
			bad[actualTargetKey(c)] = "Actuals cannot be on a tentative project."
		case d > testToday:
			bad[actualTargetKey(c)] = fmt.Sprintf("Cannot create actual for future date %s.", d)
		}
		p.Actuals = append(p.Actuals, c)
	}
	gone := ActualChange{Date: "2025-05-02", HarvestUserID: testkit.Ptr[int64](2009), RunnProjectID: testkit.Ptr[int64](402001),
		RunnRoleID: testkit.Ptr[int64](21801), BillableMinutes: 30, Rule: "R10"}
	p.Actuals = append(p.Actuals, gone)
	runID := planRun(t, w, seed, p)
	srv := startFake(t, seed, runntestOpts())

	res, err := applyRun(t, w, newClient(t, srv, nil, nil), runID)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Apply: %v, want ErrRejected", err)
	}
	got := map[string]string{}
	for _, pr := range res.Rejected {
		got[pr.Key] = pr.Status + ": " + pr.Message
	}
	want := map[string]string{
		"harvest:2009":        "rejected: Role with id 99999 not found.",
		actualTargetKey(gone): "skipped: person harvest:2009 was not created (Runn rejected it: Role with id 99999 not found.)",
	}
	for k, msg := range bad {
		want[k] = "rejected: " + msg
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rejected (-want +got):\n%s", d)
	}
	// Every good actual landed.
	landed := map[string]bool{}
	for _, a := range srv.State().Actuals {
		landed[resolvedActualKey(runn.ActualInput{Date: a.Date, PersonID: a.PersonID, ProjectID: a.ProjectID, RoleID: a.RoleID})] = a.BillableMinutes > 0
	}
	good := 0
	for _, c := range p.Actuals {
		if _, isBad := bad[actualTargetKey(c)]; isBad || c.RunnPersonID == nil {
			continue
		}
		good++
		if !landed[actualTargetKey(c)] {
			t.Errorf("good actual %s did not land", actualTargetKey(c))
		}
	}
	tot := res.Totals()
	if tot.Applied != good || tot.Rejected != len(bad)+1 || tot.Skipped != 1 {
		t.Errorf("totals %+v: want %d applied, %d rejected, 1 skipped", tot, good, len(bad)+1)
	}
	// One read of the person before creating them (R17), the create; each refused batch costs
	// one request for its good items and one per bad item.
	if n, most := len(srv.Requests()), 2+2+2+len(bad); n > most {
		t.Errorf("%d requests, want at most %d", n, most)
	}

	// A rerun tries the refused again (Runn may have been fixed meanwhile) and sends nothing else.
	before := len(srv.Requests())
	res, err = applyRun(t, w, newClient(t, srv, nil, nil), runID)
	if !errors.Is(err, ErrRejected) || len(res.Rejected) != len(want) || res.Totals().AlreadyDone != good {
		t.Errorf("rerun: %v, %d rejected, totals %+v", err, len(res.Rejected), res.Totals())
	}
	if n := len(srv.Requests()) - before; n != 3+len(bad) {
		t.Errorf("rerun sent %d requests, want %d (the person's read and create, the refused actuals together, then each alone)", n, 3+len(bad))
	}
}

// fakeBulk is an API whose bulk call refuses any batch holding an actual dated in badDates,
// wording the refusal as told; everything else is stubbed.
type fakeBulk struct {
	API
	badDates map[string]bool
	name     bool // name the refused items in the message
	calls    []int
	written  map[string]bool
}

func (f *fakeBulk) CreateActualsBulk(_ context.Context, in []runn.ActualInput) ([]runn.Actual, error) {
	f.calls = append(f.calls, len(in))
	var refused []string
	for i, a := range in {
		if f.badDates[a.Date] {
			refused = append(refused, fmt.Sprintf("body/actuals/%d: no good", i))
		}
	}
	if len(refused) > 0 {
		msg := "Bad Request"
		if f.name {
			msg = strings.Join(refused, "; ")
		}
		return nil, &runn.APIError{Method: "POST", URL: "/actuals/bulk/", Status: 400, Body: runn.ErrorBody{Error: "Bad Request", Message: msg, StatusCode: 400}}
	}
	out := make([]runn.Actual, len(in))
	for i, a := range in {
		f.written[a.Date] = true
		out[i] = runn.Actual{ID: int64(i + 1), Date: a.Date, PersonID: a.PersonID, ProjectID: a.ProjectID, RoleID: a.RoleID}
	}
	return out, nil
}

func (f *fakeBulk) Stats() runn.Stats { return runn.Stats{} }

// Splitting a refused bulk call, with and without item names in Runn's message: every good item
// lands, every bad one is rejected alone, and the calls stay few.
func TestBulkSplitting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		items     int
		bad       []int
		named     bool
		wantCalls []int
	}{
		{"no bad item", 100, nil, true, []int{100}},
		{"named: good together, bad alone", 100, []int{3, 50}, true, []int{100, 98, 1, 1}},
		{"unnamed: halves", 8, []int{5}, false, []int{8, 4, 4, 2, 2, 1, 1}},
		{"unnamed: all bad", 2, []int{0, 1}, false, []int{2, 1, 1}},
		{"named: all bad", 3, []int{0, 1, 2}, true, []int{3, 1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testwarehouse.Open(t)
			start, _ := time.Parse(time.DateOnly, "2025-01-01")
			var p Plan
			f := &fakeBulk{badDates: map[string]bool{}, name: tc.named, written: map[string]bool{}}
			for i := range tc.items {
				d := start.AddDate(0, 0, i).Format(time.DateOnly)
				p.Actuals = append(p.Actuals, ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](1), RunnProjectID: testkit.Ptr[int64](2), RunnRoleID: testkit.Ptr[int64](3), Rule: "R10"})
				if slices.Contains(tc.bad, i) {
					f.badDates[d] = true
				}
			}
			runID := planRun(t, w, scenarioSeed(), p)
			res, err := Apply(context.Background(), w, f, Options{RunID: runID, Workers: 1})
			if len(tc.bad) > 0 != errors.Is(err, ErrRejected) {
				t.Fatalf("Apply: %v", err)
			}
			if !slices.Equal(f.calls, tc.wantCalls) {
				t.Errorf("bulk calls of %v items, want %v", f.calls, tc.wantCalls)
			}
			if len(f.written) != tc.items-len(tc.bad) || len(res.Rejected) != len(tc.bad) {
				t.Errorf("%d written, %d rejected; want %d and %d", len(f.written), len(res.Rejected), tc.items-len(tc.bad), len(tc.bad))
			}
			for _, pr := range res.Rejected {
				if want := map[bool]string{true: "no good", false: "Bad Request"}[tc.named]; pr.Message != want {
					t.Errorf("rejected with %q, want %q", pr.Message, want)
				}
			}
		})
	}
}

func TestItemMessages(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		n    int
		want map[int]string
	}{
		{"2 of 3 actuals refused, none written: body/actuals/0: Project with id 9 not found.; body/actuals/2: Actuals cannot be on a tentative project.", 3,
			map[int]string{0: "Project with id 9 not found.", 2: "Actuals cannot be on a tentative project."}},
		{"body/actuals/1/date: must match format \"date\"", 2, map[int]string{1: "date: must match format \"date\""}},
		{"body/actuals/4: x; body/actuals/4: y", 5, map[int]string{4: "x; y"}},
		{"body/actuals/7: out of range", 5, map[int]string{}},
		{"Project with id 9 not found.", 5, map[int]string{}},
		{"", 1, map[int]string{}},
	} {
		if got := itemMessages(tc.msg, tc.n); !cmp.Equal(got, tc.want) {
			t.Errorf("itemMessages(%q, %d) = %v, want %v", tc.msg, tc.n, got, tc.want)
		}
	}
}

// fakeBlanket refuses every bulk call with the same message, whatever it holds.
type fakeBlanket struct {
	API
	msg   string
	calls []int
}

func (f *fakeBlanket) CreateActualsBulk(_ context.Context, in []runn.ActualInput) ([]runn.Actual, error) {
	f.calls = append(f.calls, len(in))
	return nil, &runn.APIError{Method: "POST", URL: "/actuals/bulk/", Status: 400, Body: runn.ErrorBody{Error: "Bad Request", Message: f.msg, StatusCode: 400}}
}

func (f *fakeBlanket) Stats() runn.Stats { return runn.Stats{} }

// Splitting stops where Runn's refusal proves not to be about particular items: both halves
// refused for a reason naming no item, or a part refused with its parent's very message. Every
// item is rejected with Runn's message, at about twice the calls of the unsplit load.
func TestBulkSplittingStopsOnBlanketRefusal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		items     int
		bad       []int  // fakeBulk: items refused, unnamed
		blanket   string // fakeBlanket: every call refused with this message
		wantCalls []int
		rejected  int
		msgs      map[string]bool
	}{
		// An unnamed refusal in both halves: the call's items are rejected together.
		{name: "unnamed, both halves refused", items: 8, bad: []int{1, 5}, wantCalls: []int{8, 4, 4}, rejected: 8,
			msgs: map[string]bool{"Bad Request": true}},
		// One half lands: the other is still split down to its bad items, each refused alone.
		{name: "unnamed, one half refused", items: 8, bad: []int{4, 5}, wantCalls: []int{8, 4, 4, 2, 2, 1, 1}, rejected: 2,
			msgs: map[string]bool{"Bad Request": true}},
		// Further down, both halves of a refused half are refused: that half's items go together.
		{name: "unnamed, both quarters of a half refused", items: 8, bad: []int{5, 6}, wantCalls: []int{8, 4, 4, 2, 2}, rejected: 4,
			msgs: map[string]bool{"Bad Request": true}},
		// Three calls of 100, 100 and 50: the first is halved once, then the message is known.
		{name: "blanket, no item named", items: 250, blanket: "Bad Request", wantCalls: []int{100, 50, 50, 100, 50}, rejected: 250,
			msgs: map[string]bool{"Bad Request": true}},
		// The same message naming the same index whatever the call holds.
		{name: "blanket naming an item", items: 100, blanket: "body/actuals/0: no good", wantCalls: []int{100, 99, 1}, rejected: 100,
			msgs: map[string]bool{"body/actuals/0: no good": true, "no good": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testwarehouse.Open(t)
			start, _ := time.Parse(time.DateOnly, "2025-01-01")
			var p Plan
			bulk := &fakeBulk{badDates: map[string]bool{}, written: map[string]bool{}}
			for i := range tc.items {
				d := start.AddDate(0, 0, i).Format(time.DateOnly)
				p.Actuals = append(p.Actuals, ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](1), RunnProjectID: testkit.Ptr[int64](2), RunnRoleID: testkit.Ptr[int64](3), Rule: "R10"})
				if slices.Contains(tc.bad, i) {
					bulk.badDates[d] = true
				}
			}
			runID := planRun(t, w, scenarioSeed(), p)
			var api API = bulk
			calls := func() []int { return bulk.calls }
			if tc.blanket != "" {
				f := &fakeBlanket{msg: tc.blanket}
				api, calls = f, func() []int { return f.calls }
			}
			res, err := Apply(context.Background(), w, api, Options{RunID: runID, Workers: 1})
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("Apply: %v, want ErrRejected", err)
			}
			if !slices.Equal(calls(), tc.wantCalls) {
				t.Errorf("bulk calls of %v items, want %v", calls(), tc.wantCalls)
			}
			if len(res.Rejected) != tc.rejected || len(bulk.written) != tc.items-tc.rejected && tc.blanket == "" {
				t.Errorf("%d rejected, %d written; want %d rejected", len(res.Rejected), len(bulk.written), tc.rejected)
			}
			for _, pr := range res.Rejected {
				if !tc.msgs[pr.Message] {
					t.Errorf("%s rejected with %q, want one of %v", pr.Key, pr.Message, tc.msgs)
				}
			}
			// Every item's latest outcome is its rejection, with Runn's message.
			var unsettled int
			if err := w.DB.GetContext(context.Background(), &unsettled, `SELECT count(*) FROM (
				SELECT * FROM audit.write_log WHERE run_id = ? AND kind = 'actual'
				QUALIFY row_number() OVER (PARTITION BY target_key ORDER BY write_id DESC) = 1)
				WHERE status NOT IN ('confirmed', 'rejected') OR (status = 'rejected' AND error IS NULL)`, runID); err != nil || unsettled != 0 {
				t.Errorf("trail: %d actuals neither confirmed nor rejected with a message (%v)", unsettled, err)
			}
		})
	}
}

// R17's spirit for bulk calls, through the fake Runn: a blanket 400 on every bulk call (the same
// message, naming no item) rejects the 308 actuals with Runn's message in about twice the
// requests of the unsplit load (4 calls), not one request per actual; and the load ends with
// ErrRejected (exit 3).
func TestBlanketBulkRefusalRequests(t *testing.T) {
	for _, workers := range []int{1, DefaultWorkers} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			w := testwarehouse.Open(t)
			seed := scenarioSeed()
			start, _ := time.Parse(time.DateOnly, "2024-06-01")
			var p Plan
			for i := range 308 {
				p.Actuals = append(p.Actuals, ActualChange{Date: start.AddDate(0, 0, i%300).Format(time.DateOnly),
					RunnPersonID: testkit.Ptr[int64](880001 + int64(i/300)), RunnProjectID: testkit.Ptr[int64](402001), RunnRoleID: testkit.Ptr[int64](21801),
					BillableMinutes: 60, Rule: "R10"})
			}
			runID := planRun(t, w, seed, p)
			srv := startFake(t, seed, runntestOpts())
			srv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: bulkActualsPath, Kind: runntest.ServerError, Status: 400, Times: 1000})
			res, err := Apply(context.Background(), w, newClient(t, srv, nil, nil), Options{RunID: runID, Workers: workers})
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("Apply: %v, want ErrRejected", err)
			}
			if tot := res.Totals(); tot.Rejected != 308 || len(res.Rejected) != 308 {
				t.Errorf("totals %+v, %d problems: want the 308 rejected", tot, len(res.Rejected))
			}
			for _, pr := range res.Rejected {
				if pr.Message != "runntest: injected server error, nothing applied" {
					t.Fatalf("%s rejected with %q, want Runn's message", pr.Key, pr.Message)
				}
			}
			// Sequential calls learn from the first; concurrent ones may each be halved once.
			most := 2 * 4
			if workers > 1 {
				most = 3 * 4
			}
			if n := len(srv.Requests()); n > most {
				t.Errorf("%d requests for 4 refused bulk calls, want at most %d", n, most)
			}
		})
	}
}
