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

	"github.com/harvest2runn/harvest2runn/runn"
)

// Runn refuses some records: a person whose role does not exist, actuals on a tentative project
// and after today mixed into bulk calls. Everything else lands; the refused are reported with
// Runn's message, what depends on them with the reason; the load ends with ErrRejected.
func TestRejectedRecords(t *testing.T) {
	w := openWarehouse(t)
	seed := scenarioSeed()
	p := Plan{People: []PersonChange{
		{HarvestUserID: 2009, FirstName: "Gil", LastName: "Gone", RunnRoleID: ptr[int64](99999), Rule: "R2 R5 R6"},
	}}
	start, _ := time.Parse(time.DateOnly, "2025-04-01")
	bad := map[string]string{}
	for i := range 150 {
		d := start.AddDate(0, 0, i).Format(time.DateOnly)
		c := ActualChange{Date: d, RunnPersonID: ptr[int64](880001), RunnProjectID: ptr[int64](402001), RunnRoleID: ptr[int64](21801),
			BillableMinutes: int64(60 + i), Rule: "R10"}
		switch {
		case i%40 == 7:
			c.RunnProjectID = ptr[int64](402002) // tentative
			bad[actualTargetKey(c)] = "Actuals cannot be on a tentative project."
		case d > testToday:
			bad[actualTargetKey(c)] = fmt.Sprintf("Cannot create actual for future date %s.", d)
		}
		p.Actuals = append(p.Actuals, c)
	}
	gone := ActualChange{Date: "2025-05-02", HarvestUserID: ptr[int64](2009), RunnProjectID: ptr[int64](402001),
		RunnRoleID: ptr[int64](21801), BillableMinutes: 30, Rule: "R10"}
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
			w := openWarehouse(t)
			start, _ := time.Parse(time.DateOnly, "2025-01-01")
			var p Plan
			f := &fakeBulk{badDates: map[string]bool{}, name: tc.named, written: map[string]bool{}}
			for i := range tc.items {
				d := start.AddDate(0, 0, i).Format(time.DateOnly)
				p.Actuals = append(p.Actuals, ActualChange{Date: d, RunnPersonID: ptr[int64](1), RunnProjectID: ptr[int64](2), RunnRoleID: ptr[int64](3), Rule: "R10"})
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
