package main

// End-to-end tests of the Harvest side of issue 9 through the real binary: a misbehaving
// Harvest API stops the run before anything reaches Runn (R17 a), a huge Retry-After is not
// waited, a plain-http base URL off this machine is refused, and a broken record is named.

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// safetyPerPage keeps the generated account small and still several pages long.
const safetyPerPage = 100

// safetyFakes starts the fakes like e2eFakes, with Harvest pages of safetyPerPage records. It
// returns how many time entries the first sync's window (2025-05-13 on) holds.
func safetyFakes(t *testing.T) (*harvesttest.Server, *runntest.Server, map[string]string, int) {
	t.Helper()
	srv, rsrv, vars := e2eFakes(t, e2eAccount{gen: harvesttest.GenerateOptions{Seed: 91, People: 12, Projects: 14, TimeEntries: 900},
		perPage: safetyPerPage})
	inWindow := 0
	for _, e := range srv.Account().TimeEntries {
		if e.SpentDate >= "2025-05-13" {
			inWindow++
		}
	}
	if inWindow <= 3*safetyPerPage {
		t.Fatalf("the window holds %d entries; the cases need more than 3 pages of %d", inWindow, safetyPerPage)
	}
	return srv, rsrv, vars, inWindow
}

// runBounded runs the binary and kills it after limit: a test of a wait that must not happen
// fails instead of hanging.
func runBounded(t *testing.T, limit time.Duration, vars map[string]string, args ...string) result {
	t.Helper()
	b := startBin(t, vars, args...)
	timer := time.AfterFunc(limit, func() { _ = b.cmd.Process.Kill() })
	defer timer.Stop()
	r := b.wait(t)
	if r.code == -1 {
		t.Fatalf("harvest2runn %s still ran after %v and was killed\n%s", strings.Join(args, " "), limit, r.stderr)
	}
	return r
}

// noRunnWrites fails the test when Runn received anything but reads.
func noRunnWrites(t *testing.T, rsrv *runntest.Server) {
	t.Helper()
	for _, r := range rsrv.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("Runn received %s %s", r.Method, r.Path)
		}
	}
}

func timeEntryRequests(srv *harvesttest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v2/time_entries" {
			n++
		}
	}
	return n
}

// R17 a: a time_entries listing that sends fewer entries than it announced, or an empty page
// before its last, stops the sync before load: exit 1, the figures on stderr, nothing sent.
func TestE2EHarvestSafetyIncompleteListing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  harvesttest.Fault
		reason string
	}{
		{"cut short after page 1", harvesttest.Fault{Kind: harvesttest.CutShort, AfterPages: 1, Times: harvesttest.EveryRequest},
			"links.next ended the listing after page 1 of"},
		{"cut short after page 2", harvesttest.Fault{Kind: harvesttest.CutShort, AfterPages: 2, Times: harvesttest.EveryRequest},
			"was empty"},
		{"empty page mid-listing", harvesttest.Fault{Kind: harvesttest.EmptyPage, AfterPages: 1}, "was empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rsrv, vars, inWindow := safetyFakes(t)
			tc.fault.PathPrefix = "/v2/time_entries"
			srv.InjectFault(tc.fault)
			r := runBounded(t, 2*time.Minute, vars, "sync", "--today", "2025-06-27")
			pages := (inWindow + safetyPerPage - 1) / safetyPerPage
			announced := fmt.Sprintf("time_entries listing is incomplete: it announced %d entries in %d pages and sent ", inWindow, pages)
			if r.code != exitFailed || !strings.Contains(r.stderr, announced) || !strings.Contains(r.stderr, tc.reason) ||
				!strings.Contains(r.stderr, "R17 a") {
				t.Fatalf("exit %d, want 1 and stderr naming the incomplete listing (%q, %q)\nstdout:\n%s\nstderr:\n%s",
					r.code, announced, tc.reason, r.stdout, r.stderr)
			}
			t.Logf("stderr: %s", lastLine(r.stderr))
			noRunnWrites(t, rsrv)
		})
	}
}

// A listing announcing 1,000,000 pages whose pages past the real ones are empty costs a
// handful of requests, not a run that goes on and on (issue 9: 393 requests in 60 s).
func TestE2EHarvestSafetyMillionPages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries int // announced; 0 keeps the real count, which cannot fill a million pages
		most    int
	}{
		{"counts agree with each other", 1_000_000 * safetyPerPage, 1 + 8*2 + 4},
		{"counts disagree on the first page", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rsrv, vars, _ := safetyFakes(t)
			srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.PhantomPages, TotalPages: 1_000_000,
				TotalEntries: tc.entries, Times: harvesttest.EveryRequest})
			r := runBounded(t, 2*time.Minute, vars, "sync", "--today", "2025-06-27")
			if r.code != exitFailed || !strings.Contains(r.stderr, "time_entries listing is incomplete") || !strings.Contains(r.stderr, "1,000,000 pages") {
				t.Fatalf("exit %d, want 1 and the incomplete listing named\n%s", r.code, r.stderr)
			}
			t.Logf("%d time_entries requests; %s", timeEntryRequests(srv), lastLine(r.stderr))
			if n := timeEntryRequests(srv); n > tc.most {
				t.Errorf("%d time_entries requests, want at most %d", n, tc.most)
			}
			noRunnWrites(t, rsrv)
		})
	}
}

// A 429 asking to wait 10 days fails the run at once with the wait it asked for.
func TestE2EHarvestSafetyRetryAfterTooLong(t *testing.T) {
	srv, rsrv, vars, _ := safetyFakes(t)
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.RateLimited, Delay: 864000 * time.Second})
	r := runBounded(t, 2*time.Minute, vars, "sync", "--today", "2025-06-27")
	want := "Harvest asked to wait 240h0m0s before the next request (Retry-After: 864000), longer than the 5m0s harvest2runn waits: the run stops; run it again later"
	if r.code != exitFailed || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, want 1 and %q\n%s", r.code, want, r.stderr)
	}
	if n := timeEntryRequests(srv); n != 1 {
		t.Errorf("%d time_entries requests, want the one answered 429", n)
	}
	noRunnWrites(t, rsrv)
}

// A plain-http base URL off this machine is refused before anything is sent: exit 2, one line.
func TestE2EHarvestSafetyPlainHTTPRefused(t *testing.T) {
	_, rsrv, vars, _ := safetyFakes(t)
	// A listener on every interface, reached through a non-loopback address of this machine
	// when it has one: a request, had one been sent, would show here.
	var hits atomic.Int64
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	bases := []string{"http://example.com"}
	if ip := nonLoopbackIPv4(); ip != "" {
		bases = append(bases, fmt.Sprintf("http://%s:%d", ip, ln.Addr().(*net.TCPAddr).Port))
	}
	for _, base := range bases {
		vars["HARVEST_BASE_URL"] = base
		r := runBounded(t, time.Minute, vars, "sync", "--today", "2025-06-27")
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "plain http") ||
			!strings.Contains(r.stderr, "use https") || r.stdout != "" {
			t.Errorf("HARVEST_BASE_URL=%s: exit %d, stderr %q; want exit 2 and one line saying to use https", base, r.code, r.stderr)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the plain-http listener received %d requests", n)
	}
	if n := len(rsrv.Requests()); n != 0 {
		t.Errorf("Runn received %d requests", n)
	}
}

func nonLoopbackIPv4() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// A time entry with "hours": null fails the extract with the entry and the field named.
func TestE2EHarvestSafetyNullHours(t *testing.T) {
	srv, rsrv, vars, _ := safetyFakes(t)
	srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.NullField, Field: "hours"})
	r := runBounded(t, 2*time.Minute, vars, "sync", "--today", "2025-06-27")
	if r.code != exitFailed || !regexp.MustCompile(`time entry [0-9]+: hours is null`).MatchString(r.stderr) || strings.Contains(r.stderr, "ParseFloat") {
		t.Fatalf("exit %d, want 1 and the entry and field named\n%s", r.code, r.stderr)
	}
	noRunnWrites(t, rsrv)
}
