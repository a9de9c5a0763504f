package harvesttest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestFaultKinds observes each fault from a plain http.Client.
func TestFaultKinds(t *testing.T) {
	tests := []struct {
		fault Fault
		check func(t *testing.T, resp *http.Response, err error, body []byte, bodyErr error)
	}{
		{Fault{Kind: ServerError}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 500 || !json.Valid(body) {
				t.Errorf("status %d, body %s; want 500 with JSON", resp.StatusCode, body)
			}
		}},
		{Fault{Kind: ServerError, Status: 502}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 502 || !strings.Contains(string(body), "502 Bad Gateway") {
				t.Errorf("status %d, body %s; want a proxy's 502 page", resp.StatusCode, body)
			}
		}},
		{Fault{Kind: ServerError, Status: 503}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 503 {
				t.Errorf("status %d, want 503", resp.StatusCode)
			}
		}},
		{Fault{Kind: ServerError, Status: 504}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 504 {
				t.Errorf("status %d, want 504", resp.StatusCode)
			}
		}},
		{Fault{Kind: RateLimited, Delay: 1500 * time.Millisecond}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
				t.Errorf("status %d, Retry-After %q; want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}},
		{Fault{Kind: RateLimited}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
				t.Errorf("status %d, Retry-After %q; want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}},
		{Fault{Kind: TruncatedBody}, func(t *testing.T, resp *http.Response, err error, body []byte, bodyErr error) {
			if resp.StatusCode != 200 || !errors.Is(bodyErr, io.ErrUnexpectedEOF) {
				t.Errorf("status %d, reading body: %v; want 200 and unexpected EOF", resp.StatusCode, bodyErr)
			}
			if resp.ContentLength <= int64(len(body)) || len(body) == 0 {
				t.Errorf("Content-Length %d, received %d bytes; want half", resp.ContentLength, len(body))
			}
		}},
		{Fault{Kind: ResetConnection}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			if err == nil {
				t.Errorf("got status %d, want a connection error", resp.StatusCode)
			}
		}},
		{Fault{Kind: MalformedJSON}, func(t *testing.T, resp *http.Response, err error, body []byte, bodyErr error) {
			if resp.StatusCode != 200 || bodyErr != nil || json.Valid(body) || len(body) == 0 {
				t.Errorf("status %d, body error %v, valid JSON %v; want 200, a complete body, not JSON", resp.StatusCode, bodyErr, json.Valid(body))
			}
		}},
		{Fault{Kind: WrongEnvelope}, func(t *testing.T, resp *http.Response, err error, body []byte, _ error) {
			var m map[string]json.RawMessage
			if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil {
				t.Fatalf("status %d, body %s; want 200 and JSON", resp.StatusCode, body)
			}
			if _, ok := m["time_entries"]; ok {
				t.Error("the envelope still has its records key")
			}
			if _, ok := m["per_page"]; !ok {
				t.Error("the envelope lost its other keys")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind.String()+"/"+itoa(int64(tt.fault.Status)), func(t *testing.T) {
			s := newTestServer(t, smallAccount(), Options{})
			tt.fault.PathPrefix = "/v2/time_entries"
			s.InjectFault(tt.fault)
			client := httpClient()

			// Another path is not affected.
			if status, _, _ := fetch(t, client, s.URL()+"/v2/users", goodHeaders()); status != 200 {
				t.Fatalf("unrelated path: status %d", status)
			}
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v2/time_entries?per_page=100", nil)
			req.Header = goodHeaders()
			resp, err := client.Do(req)
			var body []byte
			var bodyErr error
			if err == nil {
				body, bodyErr = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			tt.check(t, resp, err, body, bodyErr)

			// The fault is used up: the next request is answered normally.
			status, _, body := fetch(t, client, s.URL()+"/v2/time_entries?per_page=100", goodHeaders())
			if status != 200 || !json.Valid(body) {
				t.Errorf("after the fault: status %d, valid JSON %v", status, json.Valid(body))
			}
		})
	}
}

func TestFaultTimesAndOrder(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	s.InjectFault(Fault{PathPrefix: "/v2/users", Kind: ServerError, Status: 503, Times: 2})
	s.InjectFault(Fault{Kind: ServerError, Status: 502})
	var got []int
	for _, path := range []string{"/v2/projects", "/v2/users", "/v2/users", "/v2/users", "/v2/users"} {
		status, _, _ := fetch(t, httpClient(), s.URL()+path, goodHeaders())
		got = append(got, status)
	}
	// /v2/projects takes the catch-all 502 (the first fault does not match it); the users
	// fault then applies twice; nothing is left after.
	if want := []int{502, 503, 503, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	var logged []int
	for _, r := range s.Requests() {
		logged = append(logged, r.Status)
	}
	if !slices.Equal(logged, got) {
		t.Errorf("request log statuses %v, want %v", logged, got)
	}
}

func TestResetConnectionIsLogged(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	s.InjectFault(Fault{Kind: ResetConnection, Times: 2})
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v2/users", nil)
		req.Header = goodHeaders()
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("status %d, want a connection error", resp.StatusCode)
		}
	}
	reqs := s.Requests()
	if len(reqs) == 0 || reqs[len(reqs)-1].Status != 0 {
		t.Errorf("request log %+v: want the cut request logged with status 0", reqs)
	}
}

func TestDelayFault(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	const delay = 40 * time.Millisecond
	s.InjectFault(Fault{Kind: Delay, Delay: delay})
	start := time.Now()
	get(t, s, "/v2/tasks")
	if s.PendingFaults() != 0 {
		t.Error("the delay fault is still pending")
	}
	if took := time.Since(start); took < delay {
		t.Errorf("answered in %v, before the %v delay", took, delay)
	}

	// A client that gives up ends the wait, and Close does not wait for the delay either.
	s.InjectFault(Fault{Kind: Delay, Delay: time.Hour})
	client := &http.Client{Timeout: 30 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v2/tasks", nil)
	req.Header = goodHeaders()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("want a client timeout")
	}
	s.InjectFault(Fault{Kind: Delay, Delay: time.Hour})
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/v2/tasks", nil)
		req.Header = goodHeaders()
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for s.PendingFaults() > 0 { // wait until the request has taken the fault
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for an injected delay")
	}
}

func TestShiftRecords(t *testing.T) {
	t.Run("page numbers see a record twice", func(t *testing.T) {
		acct := smallAccount()
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: ShiftRecords, AfterPages: 1})
		want := listingOrder(acct, "time_entries")
		got, _ := walk(t, s, "time_entries", "/v2/time_entries?per_page=100", nil)
		if len(got) != len(want)+1 {
			t.Fatalf("%d records walked, want %d (one seen twice)", len(got), len(want)+1)
		}
		// The last record of page 1 opens page 2 again.
		if got[99] != got[100] || got[99] != want[99] {
			t.Errorf("records 100 and 101 are %d and %d, want %d twice", got[99], got[100], want[99])
		}
		if diff := gocmp.Diff(want, slices.Compact(got)); diff != "" {
			t.Errorf("walk without the repeat (-want +got):\n%s", diff)
		}
		if n := len(s.Account().TimeEntries); n != len(want)+1 {
			t.Errorf("the account has %d entries, want one inserted", n)
		}
	})
	t.Run("page numbers with filters", func(t *testing.T) {
		acct := smallAccount()
		s := newTestServer(t, acct, Options{})
		from := acct.TimeEntries[200].SpentDate
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: ShiftRecords, AfterPages: 2})
		got, _ := walk(t, s, "time_entries", "/v2/time_entries?per_page=10&from="+from, nil)
		if len(got) < 30 || got[19] != got[20] {
			t.Errorf("want the 20th record repeated as the 21st; walked %d", len(got))
		}
	})
	t.Run("cursors are unaffected", func(t *testing.T) {
		acct := smallAccount()
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/users", Kind: ShiftRecords, AfterPages: 1, Times: 3})
		want := listingOrder(acct, "users")
		got, _ := walk(t, s, "users", "/v2/users?per_page=5", nil)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("cursor walk (-want +got):\n%s", diff)
		}
		if n := len(s.Account().Users); n != len(want)+3 {
			t.Errorf("the account has %d users, want %d (three inserted)", n, len(want)+3)
		}
	})
	t.Run("deprecated page numbers on a cursor listing", func(t *testing.T) {
		acct := smallAccount()
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/users", Kind: ShiftRecords, AfterPages: 1})
		p1 := recordIDs(t, decodePage(t, "users", get(t, s, "/v2/users?per_page=5&page=1")).Records)
		p2 := recordIDs(t, decodePage(t, "users", get(t, s, "/v2/users?per_page=5&page=2")).Records)
		if p1[4] != p2[0] {
			t.Errorf("page 1 %v, page 2 %v: want the last of page 1 first on page 2", p1, p2)
		}
	})
}

func TestInjectFaultRefusesNonsense(t *testing.T) {
	s := newTestServer(t, smallAccount(), Options{})
	for _, f := range []Fault{{Kind: ServerError, Status: 404}, {Kind: FaultKind(99)}, {}, {Kind: PhantomPages}, {Kind: EmptyPage, AfterPages: -1}, {Kind: NullField}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%+v) did not panic", f)
				}
			}()
			s.InjectFault(f)
		}()
	}
}

// The R17 a faults: valid envelopes whose records or counts are wrong. Each case walks a listing
// by links.next and by page number and checks what a client would see.
func TestListingShapeFaults(t *testing.T) {
	acct := smallAccount()
	entries := len(acct.TimeEntries)
	const per = 100
	pages := (entries + per - 1) / per
	if pages < 4 {
		t.Fatalf("the small account has %d pages of %d; the cases need 4", pages, per)
	}
	byPage := func(s *Server, n int) page {
		return decodePage(t, "time_entries", get(t, s, "/v2/time_entries?per_page="+itoa(per)+"&page="+itoa(int64(n))))
	}
	t.Run("EmptyPage", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: EmptyPage, AfterPages: 1})
		p1, p2, p3 := byPage(s, 1), byPage(s, 2), byPage(s, 3)
		if len(p1.Records) != per || len(p2.Records) != 0 || len(p3.Records) != per {
			t.Errorf("pages hold %d, %d, %d records; want %d, 0, %d", len(p1.Records), len(p2.Records), len(p3.Records), per, per)
		}
		if p2.TotalEntries != entries || p2.TotalPages != pages || p2.Links.Next == nil || *p2.Page != 2 {
			t.Errorf("the empty page announces %d entries in %d pages, next %v: want the real counts and a link on", p2.TotalEntries, p2.TotalPages, p2.Links.Next)
		}
		if s.PendingFaults() != 0 {
			t.Error("the fault is still pending after its one page")
		}
	})
	t.Run("EmptyPage in a cursor walk", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/users", Kind: EmptyPage, AfterPages: 1})
		_, got := walk(t, s, "users", "/v2/users?per_page=5", nil)
		if len(got) < 3 || len(got[0].Records) != 5 || len(got[1].Records) != 0 || len(got[2].Records) != 5 {
			t.Errorf("cursor walk of %d pages: want the second one empty and the walk going on", len(got))
		}
	})
	t.Run("CutShort", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: CutShort, AfterPages: 2, Times: EveryRequest})
		ids, walked := walk(t, s, "time_entries", "/v2/time_entries?per_page="+itoa(per), nil)
		if len(walked) != 2 || len(ids) != 2*per || walked[1].TotalEntries != entries || walked[1].TotalPages != pages {
			t.Errorf("walked %d pages, %d records, last announcing %d in %d: want 2 pages of %d, announcing %d in %d",
				len(walked), len(ids), walked[len(walked)-1].TotalEntries, walked[len(walked)-1].TotalPages, per, entries, pages)
		}
		if p := byPage(s, 4); len(p.Records) != 0 || p.Links.Next != nil || p.TotalEntries != entries {
			t.Errorf("page 4 after the cut: %d records, next %v, %d entries announced", len(p.Records), p.Links.Next, p.TotalEntries)
		}
		if p := byPage(s, 1); len(p.Records) != per || p.Links.Next == nil {
			t.Error("page 1, before the cut, was altered")
		}
	})
	t.Run("CutShort after 0 pages", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/users", Kind: CutShort})
		_, got := walk(t, s, "users", "/v2/users?per_page=5", nil)
		if len(got) != 1 || len(got[0].Records) != 0 || got[0].TotalEntries != len(acct.Users) {
			t.Errorf("want one empty page announcing the %d users", len(acct.Users))
		}
	})
	t.Run("PhantomPages", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: PhantomPages, TotalPages: 1_000_000, TotalEntries: 1_000_000 * per, Times: EveryRequest})
		p1, far := byPage(s, 1), byPage(s, pages+1)
		if len(p1.Records) != per || p1.TotalPages != 1_000_000 || p1.TotalEntries != 1_000_000*per || p1.Links.Next == nil {
			t.Errorf("page 1: %d records, %d pages, %d entries, next %v", len(p1.Records), p1.TotalPages, p1.TotalEntries, p1.Links.Next)
		}
		if len(far.Records) != 0 || far.Links.Next == nil || !strings.Contains(*far.Links.Next, "page="+itoa(int64(pages+2))) || *far.NextPage != pages+2 {
			t.Errorf("page %d: %d records, next %v; want empty, linking on", pages+1, len(far.Records), far.Links.Next)
		}
		if last := byPage(s, 1_000_000); last.Links.Next != nil {
			t.Error("the last announced page links on")
		}
	})
	t.Run("EmptyListing", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: EmptyListing})
		_, got := walk(t, s, "time_entries", "/v2/time_entries?per_page="+itoa(per), nil)
		if len(got) != 1 || len(got[0].Records) != 0 || got[0].TotalEntries != 0 || got[0].TotalPages != 0 || *got[0].Page != 1 {
			t.Errorf("want one empty, self-consistent page; got %+v", got)
		}
		if p := byPage(s, 1); len(p.Records) != per {
			t.Error("the fault outlived its Times")
		}
	})
	t.Run("NullField", func(t *testing.T) {
		s := newTestServer(t, acct, Options{})
		s.InjectFault(Fault{PathPrefix: "/v2/time_entries", Kind: NullField, Field: "hours"})
		p := byPage(s, 1)
		var first, second map[string]json.RawMessage
		if json.Unmarshal(p.Records[0], &first) != nil || json.Unmarshal(p.Records[1], &second) != nil {
			t.Fatal("records are not objects")
		}
		if string(first["hours"]) != "null" || string(second["hours"]) == "null" || len(p.Records) != per {
			t.Errorf("hours %s then %s; want null in the first record only", first["hours"], second["hours"])
		}
	})
	t.Run("MaxPerPage", func(t *testing.T) {
		s := newTestServer(t, acct, Options{MaxPerPage: 50})
		ids, walked := walk(t, s, "time_entries", "/v2/time_entries", nil)
		if len(ids) != entries || len(walked) != (entries+49)/50 || walked[0].PerPage != 50 || walked[0].TotalPages != len(walked) {
			t.Errorf("walked %d records in %d pages of %d", len(ids), len(walked), walked[0].PerPage)
		}
	})
}
