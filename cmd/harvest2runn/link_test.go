package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/pipelines"
)

// R16: --pair takes exactly harvest:KIND:HARVEST_ID=runn:RUNN_ID.
func TestParsePair(t *testing.T) {
	tests := []struct {
		in   string
		want pipelines.Pair
		err  string
	}{
		{in: "harvest:project:123=runn:456", want: pipelines.Pair{Kind: "project", HarvestID: 123, RunnID: 456}},
		{in: " harvest:person:7=runn:8 ", want: pipelines.Pair{Kind: "person", HarvestID: 7, RunnID: 8}},
		{in: "harvest:role:1=runn:2", err: "KIND client, project or person"},
		{in: "harvest:client:12", err: "harvest:KIND:HARVEST_ID=runn:RUNN_ID"},
		{in: "harvest:client:0=runn:2", err: "above 0"},
		{in: "harvest:client:-1=runn:2", err: "harvest:KIND"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePair(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

// R16: --from reads back what --output csv prints, whatever the columns' order, and refuses a
// file it cannot read as pairs.
func TestReadPairsFile(t *testing.T) {
	res := pipelines.LinkResult{
		Proposed: []pipelines.LinkEntry{{Kind: "client", HarvestID: 101, HarvestName: "Acme, Inc.", RunnID: 11, RunnName: "ACME",
			Evidence: pipelines.LinkEvidence{ComparedOn: "name", HarvestValue: "Acme, Inc.", RunnValue: "ACME"}}},
		Ambiguous: []pipelines.LinkAmbiguous{{Kind: "person", RunnID: ptrTo(int64(35)), Name: "Eve Ng", Candidates: []pipelines.LinkCandidate{
			{HarvestID: ptrTo(int64(305)), Name: "Eve Ng"}, {HarvestID: ptrTo(int64(306)), Name: "Eve Ng"}}}},
	}
	var csvOut bytes.Buffer
	if err := printLinkCSV(&csvOut, res); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, body string
		want       []pipelines.Pair
		err        string
	}{
		{name: "as printed", body: csvOut.String(), want: []pipelines.Pair{{Kind: "client", HarvestID: 101, RunnID: 11},
			{Kind: "person", HarvestID: 305, RunnID: 35}, {Kind: "person", HarvestID: 306, RunnID: 35}}},
		{name: "columns reordered, rows deleted", body: "runn_id,kind,harvest_id\n35,person,306\n", want: []pipelines.Pair{{Kind: "person", HarvestID: 306, RunnID: 35}}},
		{name: "header only", body: "kind,harvest_id,runn_id\n", want: []pipelines.Pair{}},
		{name: "no runn_id column", body: "kind,harvest_id\nclient,1\n", err: "no runn_id column"},
		{name: "a bad row", body: "kind,harvest_id,runn_id\nclient,1,2\nrole,3,4\n", err: "line 3"},
		{name: "empty", body: "", err: "no header row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPairsFile(write(strings.ReplaceAll(tt.name, " ", "_")+".csv", tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// R16: mistakes in link's flags are usage errors (exit 2) before anything is read or sent.
func TestLinkUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"link", "--only", "actuals"}, `--only "actuals"`},
		{[]string{"link", "--output", "arrow"}, "--output"},
		{[]string{"link", "--pair", "client:1=2"}, "--pair"},
		{[]string{"link", "--pair", "harvest:client:1=runn:2", "--from", "x.csv"}, "give one"},
		{[]string{"link", "--from", "/no/such/file.csv"}, "--from"},
		{[]string{"link", "extra"}, "unexpected argument"},
	} {
		r := runCLI(t, nil, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want exit 2 mentioning %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}

// R16: text output says so in one line when there is nothing to link.
func TestLinkTextNothing(t *testing.T) {
	var b bytes.Buffer
	printLinkText(&b, pipelines.LinkResult{RunID: 4, DryRun: true, Status: "succeeded"})
	want := "link run 4: dry run: nothing written to Runn\n  no candidate pairs: every Harvest record is matched, or has no Runn record of the same name or email\n"
	if b.String() != want {
		t.Errorf("got:\n%s", b.String())
	}
}
