package main

// End-to-end tests of `link` (R16) through the real binary against harvesttest and runntest.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Runn ids of the records the link fixture seeds.
const (
	lkClient      = 5001 // the proposed client's namesake, with a CRM reference of its own
	lkTwinA       = 5002 // two Runn clients with the name of a second Harvest client: ambiguous
	lkTwinB       = 5003
	lkTaken       = 5004 // a client already carrying another Harvest reference
	lkProject     = 6001 // the proposed project, under lkClient
	lkPerson      = 7001 // the proposed person, by email in another case
	lkRole        = 8001
	lkContract    = 9001
	lkTakenHarvID = "424242"
)

// linkFixture is a generated Harvest account and a Runn that already holds some of its records
// under the same names, without their Harvest reference.
type linkFixture struct {
	acct                           *harvesttest.Account
	client, twin, project, user    int64 // Harvest ids
	clientName, projectName, email string
	twinProject                    int64 // an active project of the twin client
	twinProjectName                string
}

// newLinkFixture picks, from the generated account, a time entry inside the default window whose
// user, project and client are active: after linking, its time must flow.
func newLinkFixture(t *testing.T) (linkFixture, e2eAccount) {
	t.Helper()
	gen := harvesttest.GenerateOptions{Seed: 7}
	acct := harvesttest.Generate(gen)
	f := linkFixture{acct: acct}
	active := func(id int64) bool {
		i := slices.IndexFunc(acct.Clients, func(c harvest.Client) bool { return c.ID == id })
		return i >= 0 && acct.Clients[i].IsActive
	}
	for _, e := range acct.TimeEntries {
		if e.SpentDate < "2025-06-02" {
			continue
		}
		u := slices.IndexFunc(acct.Users, func(u harvest.User) bool { return u.ID == e.User.ID })
		p := slices.IndexFunc(acct.Projects, func(p harvest.Project) bool { return p.ID == e.Project.ID })
		if u < 0 || p < 0 || !acct.Users[u].IsActive || acct.Users[u].Email == "" || !acct.Projects[p].IsActive ||
			acct.Projects[p].Client == nil || !active(acct.Projects[p].Client.ID) {
			continue
		}
		f.user, f.email = acct.Users[u].ID, acct.Users[u].Email
		f.project, f.projectName = acct.Projects[p].ID, acct.Projects[p].Name
		f.client = acct.Projects[p].Client.ID
		break
	}
	for _, c := range acct.Clients {
		if c.ID == f.client {
			f.clientName = c.Name
		}
	}
	// The twin client has an active project of its own, named unlike the fixture's project.
	for _, p := range acct.Projects {
		if p.Client != nil && p.Client.ID != f.client && p.IsActive && active(p.Client.ID) && !strings.EqualFold(p.Name, f.projectName) {
			f.twin, f.twinProject, f.twinProjectName = p.Client.ID, p.ID, p.Name
			break
		}
	}
	if f.user == 0 || f.twin == 0 {
		t.Fatal("the generated account has no time entry fit for the link fixture")
	}
	twinName := acct.Clients[slices.IndexFunc(acct.Clients, func(c harvest.Client) bool { return c.ID == f.twin })].Name
	return f, e2eAccount{gen: gen, runnState: f.runnState(twinName)}
}

func (f linkFixture) runnState(twinName string) *runntest.State {
	mpd := 480.0
	return &runntest.State{
		Clients: []runn.Client{
			{ID: lkClient, Name: "  " + strings.ToUpper(f.clientName), References: []runn.Reference{{ReferenceName: "CRM", ExternalID: "crm-1"}}},
			{ID: lkTwinA, Name: twinName},
			{ID: lkTwinB, Name: strings.ToLower(twinName)},
			{ID: lkTaken, Name: "Taken Ltd", References: []runn.Reference{{ReferenceName: "Harvest", ExternalID: lkTakenHarvID}}},
		},
		Projects: []runn.Project{{ID: lkProject, Name: strings.ToLower(f.projectName) + " ", ClientID: lkClient, IsConfirmed: true, PricingModel: "tm"}},
		Roles:    []runn.Role{{ID: lkRole, Name: ptrTo("Engineer"), PersonIDs: []int64{lkPerson}}},
		People:   []runn.Person{{ID: lkPerson, FirstName: "Someone", LastName: "Else", Email: ptrTo(strings.ToUpper(f.email))}},
		Contracts: []runn.Contract{{ID: lkContract, PersonID: lkPerson, RoleID: lkRole, StartDate: "2020-01-01", MinutesPerDay: &mpd,
			RosteredDays: runn.RosteredDays{Monday: mpd, Tuesday: mpd, Wednesday: mpd, Thursday: mpd, Friday: mpd}}},
	}
}

type linkJSON struct {
	RunID     int64       `json:"run_id"`
	Status    string      `json:"status"`
	Proposed  []linkEntry `json:"proposed"`
	Ambiguous []struct {
		Kind       string `json:"kind"`
		HarvestID  *int64 `json:"harvest_id"`
		RunnID     *int64 `json:"runn_id"`
		Candidates []struct {
			RunnID    *int64 `json:"runn_id"`
			HarvestID *int64 `json:"harvest_id"`
		} `json:"candidates"`
	} `json:"ambiguous"`
	Linked    []linkEntry `json:"linked"`
	NotLinked []struct {
		Kind    string `json:"kind"`
		RunnID  int64  `json:"runn_id"`
		Message string `json:"message"`
	} `json:"not_linked"`
}

type linkEntry struct {
	Kind      string `json:"kind"`
	HarvestID int64  `json:"harvest_id"`
	RunnID    int64  `json:"runn_id"`
	Evidence  struct {
		ComparedOn string `json:"compared_on"`
	} `json:"evidence"`
}

func (e linkEntry) String() string { return fmt.Sprintf("%s %d=%d", e.Kind, e.HarvestID, e.RunnID) }

func entryKeys(es []linkEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.String())
	}
	slices.Sort(out)
	return out
}

// runLink runs link with --output json and decodes (and schema-checks) what it printed.
func linkJSONOf(t *testing.T, vars map[string]string, wantCode int, args ...string) linkJSON {
	t.Helper()
	r := runBin(t, vars, append([]string{"link", "--output", "json"}, args...)...)
	if r.code != wantCode {
		t.Fatalf("link %v: exit %d, want %d\n%s\n%s", args, r.code, wantCode, r.stdout, r.stderr)
	}
	checkSchema(t, "link", []byte(r.stdout))
	var out linkJSON
	decodeOne(t, r.stdout, &out)
	return out
}

// harvestRefsOf lists the references of a Runn record as "Name:id".
func refsOf(st *runntest.State, kind string, id int64) []string {
	var refs []runn.Reference
	switch kind {
	case "client":
		refs = st.Clients[slices.IndexFunc(st.Clients, func(c runn.Client) bool { return c.ID == id })].References
	case "project":
		refs = st.Projects[slices.IndexFunc(st.Projects, func(p runn.Project) bool { return p.ID == id })].References
	case "person":
		refs = st.People[slices.IndexFunc(st.People, func(p runn.Person) bool { return p.ID == id })].References
	}
	out := []string{}
	for _, r := range refs {
		out = append(out, r.ReferenceName+":"+r.ExternalID)
	}
	return out
}

func harvestRefText(id int64) string { return "Harvest:" + strconv.FormatInt(id, 10) }

// R16: unique pairs are linked, ambiguous ones not; the references a record had are kept and
// nothing else of it changes; a following sync plans no create for the linked records and their
// time flows; revert removes only the references the run added.
func TestE2ELinkProposedThenSyncThenRevert(t *testing.T) {
	f, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)
	before := rsrv.State()

	dry := linkJSONOf(t, vars, exitOK, "--dry-run")
	wantProposed := []string{
		fmt.Sprintf("client %d=%d", f.client, lkClient),
		fmt.Sprintf("person %d=%d", f.user, lkPerson),
		fmt.Sprintf("project %d=%d", f.project, lkProject),
	}
	if diff := cmp.Diff(wantProposed, entryKeys(dry.Proposed)); diff != "" || len(dry.Linked) != 0 {
		t.Fatalf("dry run proposed (-want +got):\n%s\nlinked %v", diff, dry.Linked)
	}
	if len(dry.Ambiguous) != 1 || *dry.Ambiguous[0].HarvestID != f.twin || len(dry.Ambiguous[0].Candidates) != 2 {
		t.Fatalf("ambiguous: %+v, want Harvest client %d with Runn %d and %d", dry.Ambiguous, f.twin, lkTwinA, lkTwinB)
	}
	if n := writes(rsrv); n != 0 {
		t.Fatalf("a dry run sent %d writes", n)
	}

	res := linkJSONOf(t, vars, exitOK)
	if diff := cmp.Diff(wantProposed, entryKeys(res.Linked)); diff != "" {
		t.Fatalf("linked (-want +got):\n%s", diff)
	}
	after := rsrv.State()
	if got, want := refsOf(after, "client", lkClient), []string{"CRM:crm-1", harvestRefText(f.client)}; !slices.Equal(got, want) {
		t.Errorf("client %d references %v, want %v (the CRM one kept)", lkClient, got, want)
	}
	for _, c := range []int64{lkTwinA, lkTwinB} {
		if got := refsOf(after, "client", c); len(got) != 0 {
			t.Errorf("ambiguous candidate %d was linked: %v", c, got)
		}
	}
	ignore := cmp.Options{cmpopts.IgnoreFields(runn.Client{}, "References", "UpdatedAt"), cmpopts.IgnoreFields(runn.Project{}, "References", "UpdatedAt"),
		cmpopts.IgnoreFields(runn.Person{}, "References", "UpdatedAt")}
	if diff := cmp.Diff(before, after, ignore); diff != "" {
		t.Errorf("linking changed more than references:\n%s", diff)
	}

	sync := runBin(t, vars, "sync", "--dry-run", "--today", "2025-06-27", "--output", "json")
	var s syncJSON
	decodeOne(t, sync.stdout, &s)
	if sync.code != exitOK {
		t.Fatalf("sync --dry-run: exit %d\n%s", sync.code, sync.stderr)
	}
	checkLinkedPlan(t, vars["HARVEST2RUNN_WAREHOUSE"], s.RunID, f)

	// A reference added by hand after the link is not the run's: revert keeps it.
	patchRefs(t, rsrv, "/projects/"+strconv.Itoa(lkProject), []runn.Reference{{ReferenceName: "Harvest", ExternalID: strconv.FormatInt(f.project, 10)}, {ReferenceName: "CRM", ExternalID: "p-9"}})
	rev := runBin(t, vars, "revert", strconv.FormatInt(res.RunID, 10), "--yes", "--output", "json")
	if rev.code != exitOK {
		t.Fatalf("revert: exit %d\n%s\n%s", rev.code, rev.stdout, rev.stderr)
	}
	final := rsrv.State()
	for _, c := range []struct {
		kind string
		id   int64
		want []string
	}{{"client", lkClient, []string{"CRM:crm-1"}}, {"project", lkProject, []string{"CRM:p-9"}}, {"person", lkPerson, []string{}}} {
		if got := refsOf(final, c.kind, c.id); !slices.Equal(got, c.want) {
			t.Errorf("after revert, %s %d references %v, want %v", c.kind, c.id, got, c.want)
		}
	}
}

// checkLinkedPlan checks run runID's plan: no create for the linked records (R1 matches them),
// and actuals planned for the linked person on the linked project (R7-R14).
func checkLinkedPlan(t *testing.T, path string, runID int64, f linkFixture) {
	t.Helper()
	w, err := warehouse.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var n int
	for _, q := range []struct {
		table, col string
		id         int64
	}{{"plan.chg_runn__clients", "harvest_client_id", f.client}, {"plan.chg_runn__projects", "harvest_project_id", f.project}, {"plan.chg_runn__people", "harvest_user_id", f.user}} {
		if err := w.DB.Get(&n, "SELECT count(*) FROM "+q.table+" WHERE run_id = ? AND "+q.col+" = ?", runID, q.id); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s plans %d creates of linked Harvest record %d", q.table, n, q.id)
		}
	}
	if err := w.DB.Get(&n, `SELECT count(*) FROM plan.chg_runn__actuals WHERE run_id = ? AND runn_person_id = ? AND runn_project_id = ?`,
		runID, lkPerson, lkProject); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("no actuals planned for linked person %d on linked project %d", lkPerson, lkProject)
	}
}

// patchRefs sets a record's references in the fake, as a person editing Runn would.
func patchRefs(t *testing.T, rsrv *runntest.Server, path string, refs []runn.Reference) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"references": refs})
	req, err := http.NewRequest(http.MethodPatch, rsrv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testRunnToken)
	req.Header.Set("Accept-Version", "1.0.0")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH %s: %d", path, resp.StatusCode)
	}
}

// R16: a link killed at any of its writes, then resumed (link --run), leaves each reference
// exactly once, whether the write in flight landed or not; the resumed run's revert removes
// them all.
func TestE2ELinkKilledAtEveryWriteResumes(t *testing.T) {
	f, acct := newLinkFixture(t)
	paths := []string{fmt.Sprintf("/clients/%d", lkClient), fmt.Sprintf("/projects/%d", lkProject), fmt.Sprintf("/people/%d", lkPerson)}
	harvestIDs := []int64{f.client, f.project, f.user}
	for i, path := range paths {
		for _, landed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s landed=%v", path, landed), func(t *testing.T) {
				_, rsrv, vars := e2eFakes(t, acct)
				rsrv.InjectFault(runntest.Fault{Method: "PATCH", PathPrefix: path, Kind: runntest.Delay, Delay: time.Minute})
				b := startBin(t, vars, "link", "--output", "json")
				waitFor(t, "the PATCH of "+path, 60*time.Second, func() bool {
					return slices.ContainsFunc(rsrv.Requests(), func(r runntest.Request) bool { return r.Method == "PATCH" && r.Path == path })
				})
				if err := b.cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				_ = b.wait(t)
				if landed {
					// The write reached Runn, its answer never reached the trail.
					kind := []string{"client", "project", "person"}[i]
					refs := append(refsToRunn(refsOf(rsrv.State(), kind, []int64{lkClient, lkProject, lkPerson}[i])),
						runn.Reference{ReferenceName: "Harvest", ExternalID: strconv.FormatInt(harvestIDs[i], 10)})
					patchRefs(t, rsrv, path, refs)
				}
				res := linkJSONOf(t, vars, exitOK, "--run", "1")
				if res.RunID != 1 || len(res.Linked) != 3 {
					t.Fatalf("resumed run %d linked %v, want run 1 with 3 links", res.RunID, res.Linked)
				}
				st := rsrv.State()
				for j, kind := range []string{"client", "project", "person"} {
					got := refsOf(st, kind, []int64{lkClient, lkProject, lkPerson}[j])
					if n := countOf(got, harvestRefText(harvestIDs[j])); n != 1 {
						t.Errorf("%s carries Harvest reference %d %d times: %v", paths[j], harvestIDs[j], n, got)
					}
				}
				patches := 0
				for _, r := range rsrv.Requests() {
					if r.Method == "PATCH" && r.Path == path {
						patches++
					}
				}
				if want := 2; patches != want {
					t.Errorf("%s was sent %d times (the test's own PATCH included), want %d", path, patches, want)
				}
				if rev := runBin(t, vars, "revert", "1", "--yes"); rev.code != exitOK {
					t.Fatalf("revert: exit %d\n%s", rev.code, rev.stderr)
				}
				for j, kind := range []string{"client", "project", "person"} {
					if n := countOf(refsOf(rsrv.State(), kind, []int64{lkClient, lkProject, lkPerson}[j]), harvestRefText(harvestIDs[j])); n != 0 {
						t.Errorf("after revert %s still carries its Harvest reference", paths[j])
					}
				}
			})
		}
	}
}

func refsToRunn(refs []string) []runn.Reference {
	out := []runn.Reference{}
	for _, r := range refs {
		name, id, _ := strings.Cut(r, ":")
		out = append(out, runn.Reference{ReferenceName: name, ExternalID: id})
	}
	return out
}

func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// R16: --pair links exactly the pairs named (an ambiguous one included), and is refused for a
// Runn record that carries a Harvest reference already; --from links exactly the rows left in
// the CSV `link --output csv` printed.
func TestE2ELinkPairAndFrom(t *testing.T) {
	f, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)

	res := linkJSONOf(t, vars, exitOK, "--pair", fmt.Sprintf("harvest:client:%d=runn:%d", f.twin, lkTwinB))
	if diff := cmp.Diff([]string{fmt.Sprintf("client %d=%d", f.twin, lkTwinB)}, entryKeys(res.Linked)); diff != "" {
		t.Fatalf("--pair linked (-want +got):\n%s", diff)
	}
	st := rsrv.State()
	if got := refsOf(st, "client", lkTwinB); !slices.Equal(got, []string{harvestRefText(f.twin)}) {
		t.Errorf("client %d: %v", lkTwinB, got)
	}
	if got := refsOf(st, "client", lkClient); len(got) != 1 {
		t.Errorf("--pair linked a proposed pair it did not name: client %d %v", lkClient, got)
	}

	refused := linkJSONOf(t, vars, exitRejected, "--pair", fmt.Sprintf("harvest:client:%d=runn:%d", f.client, lkTaken))
	if len(refused.Linked) != 0 || len(refused.NotLinked) != 1 || !strings.Contains(refused.NotLinked[0].Message, lkTakenHarvID) {
		t.Errorf("a pair with a referenced Runn record: %+v", refused)
	}
	if got := refsOf(rsrv.State(), "client", lkTaken); !slices.Equal(got, []string{"Harvest:" + lkTakenHarvID}) {
		t.Errorf("client %d was overwritten: %v", lkTaken, got)
	}
	bad := runBin(t, vars, "link", "--pair", "harvest:client:1=runn:5001")
	if bad.code != exitUsage || !strings.Contains(bad.stderr, "Harvest has no client 1") {
		t.Errorf("a pair of an unknown Harvest record: exit %d %s", bad.code, bad.stderr)
	}

	csvOut := runBin(t, vars, "link", "--dry-run", "--output", "csv")
	if csvOut.code != exitOK {
		t.Fatalf("link --output csv: exit %d %s", csvOut.code, csvOut.stderr)
	}
	var kept []string
	for i, line := range strings.Split(strings.TrimSpace(csvOut.stdout), "\n") {
		if i == 0 || strings.Contains(line, ",person,") {
			kept = append(kept, line)
		}
	}
	if len(kept) != 2 {
		t.Fatalf("the CSV has no single person row:\n%s", csvOut.stdout)
	}
	file := filepath.Join(t.TempDir(), "pairs.csv")
	if err := os.WriteFile(file, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromRes := linkJSONOf(t, vars, exitOK, "--from", file)
	if diff := cmp.Diff([]string{fmt.Sprintf("person %d=%d", f.user, lkPerson)}, entryKeys(fromRes.Linked)); diff != "" {
		t.Fatalf("--from linked (-want +got):\n%s", diff)
	}
	st = rsrv.State()
	if got := refsOf(st, "project", lkProject); len(got) != 0 {
		t.Errorf("--from linked a pair whose row was deleted: project %v", got)
	}
	if got := refsOf(st, "person", lkPerson); !slices.Equal(got, []string{harvestRefText(f.user)}) {
		t.Errorf("person %d: %v", lkPerson, got)
	}
}

// R16: a Runn record that gained a Harvest reference between the plan and the write is not
// overwritten: the write reads it again first.
func TestE2ELinkDoesNotOverwriteAReferenceAddedSinceThePlan(t *testing.T) {
	f, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)
	plan := linkJSONOf(t, vars, exitOK, "--dry-run")
	if len(plan.Proposed) != 3 {
		t.Fatalf("proposed %v", plan.Proposed)
	}
	patchRefs(t, rsrv, fmt.Sprintf("/clients/%d", lkClient), []runn.Reference{{ReferenceName: "CRM", ExternalID: "crm-1"}, {ReferenceName: "harvest", ExternalID: "777"}})
	res := linkJSONOf(t, vars, exitRejected, "--run", strconv.FormatInt(plan.RunID, 10))
	if len(res.NotLinked) != 1 || res.NotLinked[0].RunnID != lkClient || !strings.Contains(res.NotLinked[0].Message, "777") {
		t.Errorf("not linked: %+v", res.NotLinked)
	}
	if got := refsOf(rsrv.State(), "client", lkClient); !slices.Equal(got, []string{"CRM:crm-1", "harvest:777"}) {
		t.Errorf("client %d references %v: overwritten", lkClient, got)
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("person %d=%d", f.user, lkPerson), fmt.Sprintf("project %d=%d", f.project, lkProject)},
		entryKeys(res.Linked)); diff != "" {
		t.Errorf("the other pairs (-want +got):\n%s", diff)
	}
}

// R16, the flow: `link --output csv > pairs.csv` links the proposed pairs and lists every
// candidate; the user deletes the ambiguous rows they do not want; `link --from pairs.csv` links
// exactly the rows left, the ones linked already holding as they are.
func TestE2ELinkCSVEditFrom(t *testing.T) {
	f, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)
	out := runBin(t, vars, "link", "--output", "csv")
	if out.code != exitOK {
		t.Fatalf("link --output csv: exit %d %s", out.code, out.stderr)
	}
	var kept []string
	for _, line := range strings.Split(strings.TrimSpace(out.stdout), "\n") {
		if !strings.Contains(line, fmt.Sprintf(",%d,", lkTwinB)) {
			kept = append(kept, line)
		}
	}
	if len(kept) != 5 || !strings.HasPrefix(kept[0], "status,kind,harvest_id") {
		t.Fatalf("the CSV, less the row of Runn client %d:\n%s", lkTwinB, strings.Join(kept, "\n"))
	}
	file := filepath.Join(t.TempDir(), "pairs.csv")
	if err := os.WriteFile(file, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := linkJSONOf(t, vars, exitOK, "--from", file)
	if diff := cmp.Diff([]string{fmt.Sprintf("client %d=%d", f.twin, lkTwinA)}, entryKeys(res.Linked)); diff != "" {
		t.Fatalf("--from linked (-want +got):\n%s", diff)
	}
	st := rsrv.State()
	if got := refsOf(st, "client", lkTwinB); len(got) != 0 {
		t.Errorf("the deleted row's client %d was linked: %v", lkTwinB, got)
	}
	for _, c := range []struct {
		kind    string
		id, hid int64
	}{{"client", lkClient, f.client}, {"project", lkProject, f.project}, {"person", lkPerson, f.user}, {"client", lkTwinA, f.twin}} {
		if n := countOf(refsOf(st, c.kind, c.id), harvestRefText(c.hid)); n != 1 {
			t.Errorf("%s %d carries Harvest reference %d %d times", c.kind, c.id, c.hid, n)
		}
	}
}

// R16: --run N pairs from run N's extracts (here a sync's dry run) as a link run of its own;
// listing them needs neither API.
func TestE2ELinkReusesARunsExtracts(t *testing.T) {
	_, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)
	if r := runBin(t, vars, "sync", "--dry-run", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("sync --dry-run: exit %d %s", r.code, r.stderr)
	}
	reads := len(rsrv.Requests())
	offline := map[string]string{"HARVEST2RUNN_WAREHOUSE": vars["HARVEST2RUNN_WAREHOUSE"]}
	res := linkJSONOf(t, offline, exitOK, "--run", "1", "--dry-run", "--only", "clients,people")
	if res.RunID != 2 || len(res.Proposed) != 2 || res.Proposed[0].Kind != "client" || res.Proposed[1].Kind != "person" {
		t.Errorf("link --run 1 --only clients,people: run %d, proposed %v", res.RunID, res.Proposed)
	}
	if n := len(rsrv.Requests()) - reads; n != 0 {
		t.Errorf("link --run --dry-run sent %d requests to Runn", n)
	}
	// Resuming that link run pairs from the same extracts, run 1's, and writes under run 2.
	res = linkJSONOf(t, vars, exitOK, "--run", "2")
	if res.RunID != 2 || len(res.Linked) != 3 {
		t.Errorf("link --run 2: run %d, linked %v", res.RunID, res.Linked)
	}
}

// R16: a client the user names for a run counts as matched for its projects in that run: the
// project that has a namesake under each of the two Runn twins is ambiguous until its client is
// paired, then proposed under the paired twin only.
func TestE2ELinkNamedClientDecidesItsProjects(t *testing.T) {
	f, acct := newLinkFixture(t)
	acct.runnState.Projects = append(acct.runnState.Projects,
		runn.Project{ID: 6002, Name: f.twinProjectName, ClientID: lkTwinA, PricingModel: "tm"},
		runn.Project{ID: 6003, Name: f.twinProjectName, ClientID: lkTwinB, PricingModel: "tm"})
	_, _, vars := e2eFakes(t, acct)
	free := linkJSONOf(t, vars, exitOK, "--dry-run", "--only", "projects")
	if len(free.Ambiguous) != 1 || free.Ambiguous[0].Kind != "project" || *free.Ambiguous[0].HarvestID != f.twinProject {
		t.Fatalf("without a client decision: ambiguous %+v, want project %d with Runn 6002 and 6003", free.Ambiguous, f.twinProject)
	}
	named := linkJSONOf(t, vars, exitOK, "--dry-run", "--only", "projects", "--pair", fmt.Sprintf("harvest:client:%d=runn:%d", f.twin, lkTwinB))
	want := []string{fmt.Sprintf("project %d=%d", f.project, lkProject), fmt.Sprintf("project %d=6003", f.twinProject)}
	slices.Sort(want)
	if diff := cmp.Diff(want, entryKeys(named.Proposed)); diff != "" || len(named.Ambiguous) != 0 {
		t.Errorf("with client %d paired to %d: proposed (-want +got):\n%s\nambiguous %+v", f.twin, lkTwinB, diff, named.Ambiguous)
	}
}

// linkRunRecord is what a link run's record holds: its row in meta.runs and the pairs recorded
// for it.
func linkRunRecord(t *testing.T, path string, runID int64) string {
	t.Helper()
	w, err := warehouse.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	run, err := w.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	if err := w.DB.Select(&pairs, `SELECT kind || ' ' || harvest_id || '=' || runn_id FROM meta.link_pairs WHERE run_id = ? ORDER BY 1`, runID); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v pairs %v", run, pairs)
}

// R16: a link run resumed (link --run N) links the pairs it was started with and no other: the
// proposed pairs a --from file left out stay unlinked, other pairs are refused as a usage
// error, and `link --run N --dry-run` is a run of its own that leaves run N as it was.
func TestE2ELinkResumeKeepsTheRunsPairs(t *testing.T) {
	f, acct := newLinkFixture(t)
	_, rsrv, vars := e2eFakes(t, acct)
	file := filepath.Join(t.TempDir(), "pairs.csv")
	if err := os.WriteFile(file, []byte(fmt.Sprintf("kind,harvest_id,runn_id\nperson,%d,%d\n", f.user, lkPerson)), 0o600); err != nil {
		t.Fatal(err)
	}
	first := linkJSONOf(t, vars, exitOK, "--from", file)
	wantLinked := []string{fmt.Sprintf("person %d=%d", f.user, lkPerson)}
	if diff := cmp.Diff(wantLinked, entryKeys(first.Linked)); diff != "" {
		t.Fatalf("--from linked (-want +got):\n%s", diff)
	}
	runN := strconv.FormatInt(first.RunID, 10)
	path := vars["HARVEST2RUNN_WAREHOUSE"]
	before := linkRunRecord(t, path, first.RunID)

	dry := linkJSONOf(t, vars, exitOK, "--run", runN, "--dry-run")
	if dry.RunID == first.RunID {
		t.Errorf("link --run %s --dry-run resumed run %s", runN, runN)
	}
	if after := linkRunRecord(t, path, first.RunID); after != before {
		t.Errorf("link --run %s --dry-run changed run %s:\nbefore %s\nafter  %s", runN, runN, before, after)
	}

	resumed := linkJSONOf(t, vars, exitOK, "--run", runN)
	if diff := cmp.Diff(wantLinked, entryKeys(resumed.Linked)); diff != "" || resumed.RunID != first.RunID {
		t.Errorf("resumed run %d linked (-want +got):\n%s", resumed.RunID, diff)
	}
	other := runBin(t, vars, "link", "--run", runN, "--pair", fmt.Sprintf("harvest:client:%d=runn:%d", f.client, lkClient))
	if other.code != exitUsage || !strings.Contains(other.stderr, "started") {
		t.Errorf("resuming run %s with another pair: exit %d %s", runN, other.code, other.stderr)
	}
	st := rsrv.State()
	if got := refsOf(st, "client", lkClient); !slices.Equal(got, []string{"CRM:crm-1"}) {
		t.Errorf("client %d, left out of the file, was linked by a resume: %v", lkClient, got)
	}
	if got := refsOf(st, "project", lkProject); len(got) != 0 {
		t.Errorf("project %d, left out of the file, was linked by a resume: %v", lkProject, got)
	}
}
