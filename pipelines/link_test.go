package pipelines

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr64(v int64) *int64 { return &v }

// R16: ambiguous candidates are grouped by the side that has several: a Harvest record with its
// Runn candidates, or a Runn record with the Harvest records pointing at it.
func TestGroupCandidates(t *testing.T) {
	ev := func(h, r string) LinkEvidence { return LinkEvidence{ComparedOn: "name", HarvestValue: h, RunnValue: r} }
	cands := []candidate{
		{Kind: "client", HarvestID: 101, RunnID: 11, HarvestName: "Acme", RunnName: "acme", ComparedOn: "name", HarvestValue: "Acme", RunnValue: "acme", HarvestSide: 1, Status: "proposed"},
		{Kind: "client", HarvestID: 102, RunnID: 12, HarvestName: "Globex", RunnName: "GLOBEX", ComparedOn: "name", HarvestValue: "Globex", RunnValue: "GLOBEX", HarvestSide: 2, Status: "ambiguous"},
		{Kind: "client", HarvestID: 102, RunnID: 13, HarvestName: "Globex", RunnName: "globex", ComparedOn: "name", HarvestValue: "Globex", RunnValue: "globex", HarvestSide: 2, Status: "ambiguous"},
		{Kind: "person", HarvestID: 305, RunnID: 35, HarvestName: "Eve Ng", RunnName: "Eve Ng", ComparedOn: "name", HarvestValue: "Eve", RunnValue: "Eve", HarvestSide: 1, Status: "ambiguous"},
		{Kind: "person", HarvestID: 306, RunnID: 35, HarvestName: "Eve Ng", RunnName: "Eve Ng", ComparedOn: "name", HarvestValue: "Eve", RunnValue: "Eve", HarvestSide: 1, Status: "ambiguous"},
	}
	proposed, ambiguous := groupCandidates(cands)
	wantProposed := []LinkEntry{{Kind: "client", HarvestID: 101, HarvestName: "Acme", RunnID: 11, RunnName: "acme", Evidence: ev("Acme", "acme")}}
	wantAmbiguous := []LinkAmbiguous{
		{Kind: "client", HarvestID: ptr64(102), Name: "Globex", Candidates: []LinkCandidate{
			{RunnID: ptr64(12), Name: "GLOBEX", Evidence: ev("Globex", "GLOBEX")},
			{RunnID: ptr64(13), Name: "globex", Evidence: ev("Globex", "globex")},
		}},
		{Kind: "person", RunnID: ptr64(35), Name: "Eve Ng", Candidates: []LinkCandidate{
			{HarvestID: ptr64(305), Name: "Eve Ng", Evidence: ev("Eve", "Eve")},
			{HarvestID: ptr64(306), Name: "Eve Ng", Evidence: ev("Eve", "Eve")},
		}},
	}
	if diff := cmp.Diff(wantProposed, proposed); diff != "" {
		t.Errorf("proposed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAmbiguous, ambiguous); diff != "" {
		t.Errorf("ambiguous (-want +got):\n%s", diff)
	}

	// Harvest 401 has two candidates, one of them Runn 41, which Harvest 402 points at alone:
	// Runn 41 is listed too, with both.
	_, ambiguous = groupCandidates([]candidate{
		{Kind: "project", HarvestID: 401, RunnID: 41, HarvestSide: 2, Status: "ambiguous"},
		{Kind: "project", HarvestID: 401, RunnID: 42, HarvestSide: 2, Status: "ambiguous"},
		{Kind: "project", HarvestID: 402, RunnID: 41, HarvestSide: 1, Status: "ambiguous"},
	})
	got := []string{}
	for _, a := range ambiguous {
		side, ids := "harvest", []int64{}
		if a.RunnID != nil {
			side = "runn"
		}
		for _, c := range a.Candidates {
			if c.RunnID != nil {
				ids = append(ids, *c.RunnID)
			} else {
				ids = append(ids, *c.HarvestID)
			}
		}
		got = append(got, fmt.Sprint(side, ids))
	}
	if diff := cmp.Diff([]string{"harvest[41 42]", "runn[401 402]"}, got); diff != "" {
		t.Errorf("overlapping groups (-want +got):\n%s", diff)
	}
}
