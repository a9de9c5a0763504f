package harvesttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func TestLatency(t *testing.T) {
	const latency = 25 * time.Millisecond
	s := newTestServer(t, smallAccount(), Options{Latency: latency})
	start := time.Now()
	get(t, s, "/v2/tasks")
	if took := time.Since(start); took < latency {
		t.Errorf("answered in %v, within the %v latency", took, latency)
	}
}

func TestRequestLogAndSlogKeepTheTokenOut(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := newFakeClock(time.Date(2025, 5, 5, 5, 5, 5, 0, time.UTC))
	s := newTestServer(t, smallAccount(), Options{Logger: logger, Now: clock.Now})
	get(t, s, "/v2/time_entries?per_page=10&page=2")
	h := goodHeaders()
	h.Set("Authorization", "Bearer "+testToken+"x")
	fetch(t, http.DefaultClient, s.URL()+"/v2/users?access_token="+testToken, h) // query auth: refused, and redacted

	want := []Request{
		{Method: "GET", Path: "/v2/time_entries", RawQuery: "per_page=10&page=2", Status: 200, Time: clock.Now()},
		{Method: "GET", Path: "/v2/users", RawQuery: "access_token=REDACTED", Status: 401, Time: clock.Now()},
	}
	if got := s.Requests(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Requests() = %+v\nwant %+v", got, want)
	}
	logged := buf.String()
	if !strings.Contains(logged, "path=/v2/time_entries") || !strings.Contains(logged, "status=401") {
		t.Errorf("log lacks the requests:\n%s", logged)
	}
	if strings.Contains(logged, testToken) {
		t.Errorf("the token is in the log:\n%s", logged)
	}
}

// TestConcurrentUse runs walks, state changes and faults at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"time_entries", "users", "projects"}[i%3]
			for range 3 {
				if n, err := countWalk(s, key, "/v2/"+key+"?per_page=40&is_billed=false"); err != nil || n == 0 {
					t.Errorf("%s: walked %d records: %v", key, n, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 40 {
			e := acct.TimeEntries[i]
			e.ID = 0
			added := s.AddTimeEntry(e)
			if err := s.UpdateTimeEntry(added.ID, func(e *harvest.TimeEntry) { e.SpentDate = acct.TimeEntries[i+100].SpentDate }); err != nil {
				t.Error(err)
			}
			if i%2 == 0 {
				if err := s.DeleteTimeEntry(added.ID); err != nil {
					t.Error(err)
				}
			}
			if err := s.UpdateUser(acct.Users[i%len(acct.Users)].ID, func(u *harvest.User) { u.Telephone = "1" }); err != nil {
				t.Error(err)
			}
			s.Account()
			s.Requests()
		}
	}()
	wg.Wait()
	if n := len(s.Account().TimeEntries); n != len(acct.TimeEntries)+20 {
		t.Errorf("%d entries after 40 adds and 20 deletes, want %d", n, len(acct.TimeEntries)+20)
	}
}

// countWalk follows links.next to the end and counts the records; unlike walk it reports
// failure as an error, so other goroutines than the test's may call it.
func countWalk(s *Server, key, path string) (int, error) {
	n := 0
	next := s.URL() + path
	for next != "" {
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return n, err
		}
		req.Header = goodHeaders()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return n, err
		}
		var p map[string]json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return n, fmt.Errorf("GET %s: status %d, %v", next, resp.StatusCode, err)
		}
		var recs []json.RawMessage
		var links struct{ Next *string }
		if err := errors.Join(json.Unmarshal(p[key], &recs), json.Unmarshal(p["links"], &links)); err != nil {
			return n, err
		}
		n += len(recs)
		next = ""
		if links.Next != nil {
			next = *links.Next
		}
	}
	return n, nil
}

func TestRedactQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "",
		"page=2&per_page=10":                  "page=2&per_page=10",
		"access_token=s3cret&account_id=12":   "access_token=REDACTED&account_id=12",
		"from=2024-01-01&access_token=s3cret": "access_token=REDACTED&from=2024-01-01",
		"access_token=%zz":                    "(unparsable query withheld)",
	} {
		if got := redactQuery(in); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
