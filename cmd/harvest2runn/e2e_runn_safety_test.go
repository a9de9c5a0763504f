package main

// End-to-end tests of issue 9's Runn items (R17, R1): a Runn API (or whatever answers at its
// address) that redirects or answers a create with something other than the record sent must
// never become a wrong id in the warehouse or a record under the wrong client in Runn, and the
// token must never leave for another address.

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// safetyAccount is a small generated account: enough clients and projects to have records to
// be confused with, fast to sync.
var safetyAccount = e2eAccount{gen: harvesttest.GenerateOptions{Seed: 11, People: 6, Clients: 4, Projects: 8, TimeEntries: 200}}

// harvestRefOf is the Harvest id a Runn record carries (R1: referenceName compared
// case-insensitively), or "" when it carries none.
func harvestRefOf(refs []runn.Reference) string {
	for _, r := range refs {
		if strings.EqualFold(r.ReferenceName, runn.HarvestReferenceName) {
			return r.ExternalID
		}
	}
	return ""
}

// checkRunnIdentity checks what Runn holds against Harvest: no Harvest client, project or user
// is in Runn twice, and every project created from Harvest hangs under the Runn client that
// carries its Harvest client's reference.
func checkRunnIdentity(t *testing.T, acct *harvesttest.Account, st *runntest.State) {
	t.Helper()
	clientOf := map[string]string{} // Harvest project id -> Harvest client id
	for _, p := range acct.Projects {
		if p.Client != nil {
			clientOf[strconv.FormatInt(p.ID, 10)] = strconv.FormatInt(p.Client.ID, 10)
		}
	}
	seen := map[string]int{}
	runnClientRef := map[int64]string{}
	for _, c := range st.Clients {
		runnClientRef[c.ID] = harvestRefOf(c.References)
		if ref := harvestRefOf(c.References); ref != "" {
			seen["client "+ref]++
		}
	}
	for _, p := range st.Projects {
		ref := harvestRefOf(p.References)
		if ref == "" {
			continue
		}
		seen["project "+ref]++
		if want, got := clientOf[ref], runnClientRef[p.ClientID]; got != want {
			t.Errorf("R1: Runn project %d (%s, Harvest project %s) is under Runn client %d, which carries Harvest client %q; its Harvest client is %s",
				p.ID, p.Name, ref, p.ClientID, got, want)
		}
	}
	for _, p := range st.People {
		if ref := harvestRefOf(p.References); ref != "" {
			seen["person "+ref]++
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("R1: Harvest %s is in Runn %d times", k, n)
		}
	}
}

// auditWrite is one row of `audit --format json`.
type auditWrite struct {
	Kind      string `json:"kind"`
	TargetKey string `json:"key"`
	Status    string `json:"status"`
	RunnID    *int64 `json:"runn_id"`
}

// auditRows is the audit trail of the latest run, through the binary.
func auditRows(t *testing.T, vars map[string]string) []auditWrite {
	t.Helper()
	r := runBin(t, vars, "audit", "--format", "json")
	if r.code != exitOK {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	var trail struct {
		Writes []auditWrite `json:"writes"`
	}
	decodeOne(t, r.stdout, &trail)
	return trail.Writes
}

// checkConfirmedIDs checks that every write the audit trail calls confirmed names the Runn
// record that carries its target's Harvest reference (never none, never another record's).
func checkConfirmedIDs(t *testing.T, vars map[string]string, st *runntest.State) (confirmed int) {
	t.Helper()
	refOf := map[string]map[int64]string{"client": {}, "project": {}, "person": {}}
	for _, c := range st.Clients {
		refOf["client"][c.ID] = harvestRefOf(c.References)
	}
	for _, p := range st.Projects {
		refOf["project"][p.ID] = harvestRefOf(p.References)
	}
	for _, p := range st.People {
		refOf["person"][p.ID] = harvestRefOf(p.References)
	}
	for _, w := range auditRows(t, vars) {
		if w.Status != "confirmed" {
			continue
		}
		if w.RunnID == nil || *w.RunnID == 0 {
			t.Errorf("R1: the audit trail shows %s %s confirmed with no Runn id", w.Kind, w.TargetKey)
			continue
		}
		confirmed++
		refs, ok := refOf[w.Kind]
		if !ok || !strings.HasPrefix(w.TargetKey, "harvest:") {
			continue
		}
		if got, want := refs[*w.RunnID], strings.TrimPrefix(w.TargetKey, "harvest:"); got != want {
			t.Errorf("R1: the audit trail shows %s %s confirmed as Runn %s %d, which carries Harvest reference %q",
				w.Kind, w.TargetKey, w.Kind, *w.RunnID, got)
		}
	}
	return confirmed
}

// (a) A second sync whose client create is answered with a 302 to an existing client: the
// redirect is not followed, its outcome is unknown, Runn is read, and the create is resent;
// nothing is recorded with the existing client's id and no project lands under it.
func TestE2ERunnSafetyRedirectedCreate(t *testing.T) {
	t.Parallel()
	srv, rsrv, vars := e2eFakes(t, safetyAccount)
	if r := runBin(t, vars, "sync", "--today", "2025-06-27"); r.code != exitOK {
		t.Fatalf("first sync: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	existing := rsrv.State().Clients
	if len(existing) == 0 {
		t.Fatal("the first sync created no client")
	}
	victim := existing[0]

	newClient := srv.AddClient(harvest.Client{Name: "Fjord Ferries", Currency: "EUR", IsActive: true})
	var newProjects []harvest.Project
	for _, name := range []string{"Ferry Terminal Upgrade", "Ferry Ramp Survey"} {
		newProjects = append(newProjects, srv.AddProject(harvest.Project{Name: name, IsActive: true, BillBy: "none", BudgetBy: "none",
			Client: &harvest.ClientRef{ID: newClient.ID, Name: newClient.Name}}))
	}
	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/clients/", Kind: runntest.Redirect, Status: http.StatusFound,
		Location: rsrv.URL() + "/clients/" + strconv.FormatInt(victim.ID, 10)})

	r := runBin(t, vars, "sync", "--today", "2025-06-27")
	t.Logf("second sync with a redirected client create: exit %d", r.code)
	if redirected := struck(rsrv, runntest.Redirect); redirected != 1 {
		t.Fatalf("the redirect struck %d requests, want 1 (did the second sync create a client?)\n%s", redirected, r.stderr)
	}
	st := rsrv.State()
	checkRunnIdentity(t, srv.Account(), st)
	checkConfirmedIDs(t, vars, st)
	if r.code != exitOK {
		// Failing is acceptable only when it says why.
		if !strings.Contains(r.stderr, "redirect") {
			t.Fatalf("second sync failed without naming the redirect: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		return
	}
	// It went on: the create was resent after a read, and the new records are right.
	var runnNew *runn.Client
	for i, c := range st.Clients {
		if harvestRefOf(c.References) == strconv.FormatInt(newClient.ID, 10) {
			runnNew = &st.Clients[i]
		}
	}
	if runnNew == nil || runnNew.ID == victim.ID {
		t.Fatalf("Harvest client %d is not in Runn after a successful sync", newClient.ID)
	}
	for _, hp := range newProjects {
		found := false
		for _, p := range st.Projects {
			if harvestRefOf(p.References) == strconv.FormatInt(hp.ID, 10) {
				found = p.ClientID == runnNew.ID
			}
		}
		if !found {
			t.Errorf("Harvest project %d (%s) is not in Runn under client %d", hp.ID, hp.Name, runnNew.ID)
		}
	}
}

// (b) Creates answered 201 `{}`: one applied (the record exists, the answer hides it), one not.
// The audit trail never shows a write confirmed with no Runn id; the applied one is found by
// reading Runn, the other resent, and nothing is in Runn twice.
func TestE2ERunnSafetyEmptyCreateAnswer(t *testing.T) {
	t.Parallel()
	srv, rsrv, vars := e2eFakes(t, safetyAccount)
	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/clients/", Kind: runntest.CreateAnswer, Apply: true, Body: []byte(`{}`)})
	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/people/", Kind: runntest.CreateAnswer, Apply: false, Body: []byte(`{}`)})

	r := runBin(t, vars, "sync", "--today", "2025-06-27")
	if n := struck(rsrv, runntest.CreateAnswer); n != 2 {
		t.Fatalf("the faults struck %d creates, want 2\n%s", n, r.stderr)
	}
	st := rsrv.State()
	checkRunnIdentity(t, srv.Account(), st)
	if n := checkConfirmedIDs(t, vars, st); n == 0 {
		t.Errorf("no write confirmed at all: exit %d\n%s", r.code, r.stderr)
	}
	if r.code != exitOK {
		t.Fatalf("sync: exit %d, want it to read Runn, resend and succeed\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if len(st.Clients) == 0 || len(st.People) == 0 {
		t.Errorf("Runn holds %d clients and %d people", len(st.Clients), len(st.People))
	}
}

// tokenSpy is a plain-http listener on 127.0.0.1 (a port of its own) that records the
// Authorization headers it receives.
type tokenSpy struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newTokenSpy(t *testing.T) *tokenSpy {
	t.Helper()
	s := &tokenSpy{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"name":"spy","values":[],"nextCursor":null}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":999}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *tokenSpy) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// (c) Redirects to a plain-http listener on the same host, another port (Go forwards the
// Authorization header there when it follows): on the preflight (a configuration mistake: exit
// 2), on a create (308 keeps the
// POST and its body) and on a listing. The listener never receives a request, let alone the
// token; the listing's redirect fails the run, saying so.
func TestE2ERunnSafetyRedirectNeverCarriesTheToken(t *testing.T) {
	t.Parallel()
	srv, rsrv, vars := e2eFakes(t, safetyAccount)
	spy := newTokenSpy(t)
	rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/me/", Kind: runntest.Redirect, Status: http.StatusTemporaryRedirect,
		Location: spy.URL + "/me/"})

	// A redirected preflight is a configuration mistake: exit 2, one line, nothing sent.
	r := runBin(t, vars, "sync", "--today", "2025-06-27")
	if r.code != exitUsage || !strings.Contains(lastLine(r.stderr), "follows no redirects") || writes(rsrv) != 0 {
		t.Fatalf("sync with a redirected preflight: exit %d, %d writes\n%s", r.code, writes(rsrv), r.stderr)
	}

	rsrv.InjectFault(runntest.Fault{Method: "POST", PathPrefix: "/people/", Kind: runntest.Redirect, Status: http.StatusPermanentRedirect,
		Location: spy.URL + "/people/"})
	r = runBin(t, vars, "sync", "--today", "2025-06-27")
	if got := spy.received(); len(got) != 0 {
		t.Fatalf("the redirect's target received %d requests (token forwarded: %v):\n%s", len(got),
			strings.Contains(strings.Join(got, "\n"), testRunnToken), strings.Join(got, "\n"))
	}
	if strings.Contains(r.stdout+r.stderr, testRunnToken) {
		t.Error("the Runn token is in the output")
	}
	checkRunnIdentity(t, srv.Account(), rsrv.State())
	if r.code != exitOK {
		t.Fatalf("sync with a redirected create: exit %d, want the create read, resent and the run done\n%s\n%s",
			r.code, r.stdout, r.stderr)
	}

	// A listing redirected: the snapshot cannot be taken, the run fails and says why.
	rsrv.InjectFault(runntest.Fault{Method: "GET", PathPrefix: "/clients/", Kind: runntest.Redirect, Status: http.StatusFound,
		Location: spy.URL + "/clients/?sortBy=id"})
	r = runBin(t, vars, "sync", "--today", "2025-06-27")
	if got := spy.received(); len(got) != 0 {
		t.Fatalf("the redirect's target received %d requests:\n%s", len(got), strings.Join(got, "\n"))
	}
	if r.code == exitOK || !strings.Contains(r.stderr, "follows no redirects") || !strings.Contains(r.stderr, "RUNN_BASE_URL") ||
		!strings.Contains(r.stderr, spy.URL+"/clients/") {
		t.Errorf("sync with a redirected listing: exit %d, want a failure naming the redirect and RUNN_BASE_URL\n%s", r.code, r.stderr)
	}
}

// (d) A plain-http Runn base URL off loopback would send the token in clear: exit 2, one line,
// before any request to either API.
func TestE2ERunnSafetyPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	srv, rsrv, vars := e2eFakes(t, safetyAccount)
	for _, cmd := range [][]string{{"sync", "--today", "2025-06-27"}, {"extract", "--source", "runn"}} {
		bad := with(vars, "RUNN_BASE_URL", "http://runn.example.com")
		harvestBefore, runnBefore := len(srv.Requests()), len(rsrv.Requests())
		r := runBin(t, bad, cmd...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "https") ||
			!strings.Contains(r.stderr, "RUNN_BASE_URL") || r.stdout != "" {
			t.Errorf("%v with RUNN_BASE_URL=http://runn.example.com: exit %d, stdout %q, stderr %q; want exit 2 and one line saying to use https",
				cmd, r.code, r.stdout, r.stderr)
		}
		if n, m := len(srv.Requests())-harvestBefore, len(rsrv.Requests())-runnBefore; n+m != 0 {
			t.Errorf("%v: %d requests to Harvest and %d to Runn before the refusal", cmd, n, m)
		}
		if _, err := os.Stat(bad["HARVEST2RUNN_WAREHOUSE"]); err == nil {
			t.Errorf("%v: the warehouse was created", cmd)
		}
	}
}

// struck counts the requests a fault of kind struck.
func struck(rsrv *runntest.Server, kind runntest.FaultKind) int {
	n := 0
	for _, req := range rsrv.Requests() {
		if req.Fault == kind {
			n++
		}
	}
	return n
}
