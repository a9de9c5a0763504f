package pipelines

import (
	"encoding/json"
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

// R16, R15: candidates are listed clients, projects, then people (load.Kinds' order), each kind
// in the order read.
func TestSortByKind(t *testing.T) {
	cands := []candidate{
		{Kind: "person", HarvestID: 1}, {Kind: "client", HarvestID: 2}, {Kind: "project", HarvestID: 3},
		{Kind: "client", HarvestID: 4}, {Kind: "person", HarvestID: 5},
	}
	sortByKind(cands)
	got := []string{}
	for _, c := range cands {
		got = append(got, fmt.Sprint(c.Kind, c.HarvestID))
	}
	if diff := cmp.Diff([]string{"client2", "client4", "project3", "person1", "person5"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// R16, output contract: link's JSON gives each list its <noun>_count, names each record beside
// its id after that id (harvest_name, runn_name; never a bare name), and a pair not linked as
// load's rejected records are: the trail's key and rule beside the ids.
func TestLinkResultJSON(t *testing.T) {
	ev := LinkEvidence{ComparedOn: "name", HarvestValue: "Globex", RunnValue: "globex"}
	res := LinkResult{RunID: 4, Status: "partial", Proposed: []LinkEntry{}, Linked: []LinkEntry{},
		Ambiguous: []LinkAmbiguous{
			{Kind: "client", HarvestID: ptr64(102), Name: "Globex", Candidates: []LinkCandidate{{RunnID: ptr64(12), Name: "globex", Evidence: ev}}},
			{Kind: "person", RunnID: ptr64(35), Name: "Eve Ng", Candidates: []LinkCandidate{{HarvestID: ptr64(305), Name: "Eve", Evidence: ev}}},
		},
		NotLinked: []LinkProblem{{Kind: "client", Key: "harvest:101=runn:11", HarvestID: 101, HarvestName: "Acme", RunnID: 11, RunnName: "ACME",
			Rule: "R16", Status: "skipped", Message: "gone"}}}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"proposed_count": 0, "ambiguous_count": 2, "linked_count": 0, "not_linked_count": 1} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	amb := got["ambiguous"].([]any)
	wantAmb := []any{
		map[string]any{"kind": "client", "harvest_id": 102.0, "harvest_name": "Globex", "candidates": []any{
			map[string]any{"runn_id": 12.0, "runn_name": "globex", "evidence": map[string]any{"compared_on": "name", "harvest_value": "Globex", "runn_value": "globex"}}}},
		map[string]any{"kind": "person", "runn_id": 35.0, "runn_name": "Eve Ng", "candidates": []any{
			map[string]any{"harvest_id": 305.0, "harvest_name": "Eve", "evidence": map[string]any{"compared_on": "name", "harvest_value": "Globex", "runn_value": "globex"}}}},
	}
	if diff := cmp.Diff(wantAmb, amb); diff != "" {
		t.Errorf("ambiguous (-want +got):\n%s", diff)
	}
	nl := got["not_linked"].([]any)[0].(map[string]any)
	if nl["key"] != "harvest:101=runn:11" || nl["rule"] != "R16" || nl["harvest_name"] != "Acme" || nl["runn_name"] != "ACME" {
		t.Errorf("not_linked %v", nl)
	}
}
