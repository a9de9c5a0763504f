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
	for _, f := range []Fault{{Kind: ServerError, Status: 404}, {Kind: FaultKind(99)}, {}} {
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
