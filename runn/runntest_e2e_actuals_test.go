package runn_test

// End-to-end tests of actuals writes against the fake Runn: upserts retried through faults.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// actualsBatch updates the seeded actual and adds five more in the given month: an upsert
// applied twice must leave each actual once, with the minutes sent.
func actualsBatch(month int) []runn.ActualInput {
	in := []runn.ActualInput{actualIn(seededActualDay, personID, projectID, roleID, 240, 30)}
	for d := 2; d <= 6; d++ {
		in = append(in, actualIn(fmt.Sprintf("2025-%02d-%02d", month, d), personID, projectID, roleID, int64(60*d), 15))
	}
	return in
}

func actualKey(date string, person, project, role int64) string {
	return fmt.Sprint(date, "/", person, "/", project, "/", role)
}

// TestE2EActualsFaultsAreRetried: actuals writes are upserts, so the client retries them
// through 5xx answers, broken connections, lost answers and a bulk call applied in part, and
// the fake ends with each actual once, holding the minutes sent. Each case writes in a month
// of its own (all but the seeded actual, which every bulk rewrites), so one fake serves all.
func TestE2EActualsFaultsAreRetried(t *testing.T) {
	bulk := func(month int) func(context.Context, *runn.API) ([]runn.Actual, error) {
		return func(ctx context.Context, api *runn.API) ([]runn.Actual, error) {
			return api.CreateActualsBulk(ctx, actualsBatch(month))
		}
	}
	one := func(month int) func(context.Context, *runn.API) ([]runn.Actual, error) {
		return func(ctx context.Context, api *runn.API) ([]runn.Actual, error) {
			a, err := api.CreateActual(ctx, actualsBatch(month)[1])
			return []runn.Actual{a}, err
		}
	}
	tests := []struct {
		name         string
		fault        runntest.Fault
		call         func(context.Context, *runn.API) ([]runn.Actual, error)
		sent         []runn.ActualInput
		wantStatuses []int
	}{
		{"single, 500", runntest.Fault{Method: "POST", PathPrefix: "/actuals/", Kind: runntest.ServerError},
			one(1), actualsBatch(1)[1:2], []int{500, 201}},
		{"single, answer lost after the write", runntest.Fault{Method: "POST", PathPrefix: "/actuals/", Kind: runntest.LostResponse},
			one(2), actualsBatch(2)[1:2], []int{0, 201}},
		{"bulk, 502 twice", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.ServerError, Status: 502, Times: 2},
			bulk(3), actualsBatch(3), []int{502, 502, 200}},
		{"bulk, connection reset", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.ResetConnection},
			bulk(4), actualsBatch(4), []int{0, 200}},
		{"bulk, answer lost after the write", runntest.Fault{PathPrefix: "/actuals/bulk/", Kind: runntest.LostResponse},
			bulk(5), actualsBatch(5), []int{0, 200}},
		{"bulk, PartialBulk: 2 of 6 applied then 500", runntest.Fault{Kind: runntest.PartialBulk, ApplyItems: 2},
			bulk(6), actualsBatch(6), []int{500, 200}},
	}
	env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{})
			before := env.srv.State()
			env.srv.InjectFault(tt.fault)
			var got []runn.Actual
			reqs := env.during(func() {
				var err error
				if got, err = tt.call(t.Context(), api); err != nil {
					t.Fatalf("%v, want success after retrying", err)
				}
			})
			if s := statusesOf(reqs); !slices.Equal(s, tt.wantStatuses) {
				t.Errorf("statuses %v, want %v", s, tt.wantStatuses)
			}
			if reqs[0].Fault != tt.fault.Kind {
				t.Errorf("the first request was struck by %v, want %v", reqs[0].Fault, tt.fault.Kind)
			}
			if s := api.Stats(); s.Retries != int64(len(tt.wantStatuses)-1) {
				t.Errorf("stats %+v, want %d retries", s, len(tt.wantStatuses)-1)
			}

			st := env.srv.State()
			byKey := map[string][]runn.Actual{}
			for _, a := range st.Actuals {
				k := actualKey(a.Date, a.PersonID, a.ProjectID, a.RoleID)
				byKey[k] = append(byKey[k], a)
			}
			for k, as := range byKey {
				if len(as) != 1 {
					t.Errorf("key %s held %d times: %+v", k, len(as), as)
				}
			}
			wantCount := len(before.Actuals)
			for _, in := range tt.sent {
				if !slices.ContainsFunc(before.Actuals, func(a runn.Actual) bool {
					return actualKey(a.Date, a.PersonID, a.ProjectID, a.RoleID) == actualKey(in.Date, in.PersonID, in.ProjectID, in.RoleID)
				}) {
					wantCount++
				}
			}
			if len(st.Actuals) != wantCount {
				t.Errorf("the fake holds %d actuals, want %d", len(st.Actuals), wantCount)
			}
			if len(got) != len(tt.sent) {
				t.Fatalf("the call returned %d actuals, want %d", len(got), len(tt.sent))
			}
			for i, in := range tt.sent {
				held := byKey[actualKey(in.Date, in.PersonID, in.ProjectID, in.RoleID)]
				if len(held) != 1 {
					t.Errorf("%s: held %d times, want once", in.Date, len(held))
					continue
				}
				a := held[0]
				if a.BillableMinutes != float64(in.BillableMinutes) || a.NonbillableMinutes != float64(in.NonbillableMinutes) {
					t.Errorf("%s: the fake holds %v/%v minutes, want %d/%d", in.Date, a.BillableMinutes, a.NonbillableMinutes,
						in.BillableMinutes, in.NonbillableMinutes)
				}
				if got[i].ID != a.ID {
					t.Errorf("%s: the call returned id %d, the fake holds %d", in.Date, got[i].ID, a.ID)
				}
				if in.Date == seededActualDay && a.ID != seededActualID {
					t.Errorf("the seeded actual got a new id %d: an upsert keeps %d", a.ID, seededActualID)
				}
			}
		})
	}
}
