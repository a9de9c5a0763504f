package harvest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/httpx"
)

func TestFailFastStatuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		res      Resource
		status   int
		body     string
		sentinel error
		want     []string
	}{
		{"401", Users, 401, `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}`,
			ErrUnauthorized, []string{"401 Unauthorized", "HARVEST_ACCESS_TOKEN", "HARVEST_ACCOUNT_ID", "invalid_token"}},
		{"403 roles", Roles, 403, `{"error":"forbidden"}`, ErrForbidden, []string{"403 Forbidden", "administrator", "roles"}},
		{"403 other", Projects, 403, ``, ErrForbidden, []string{"403 Forbidden", "HARVEST_ACCESS_TOKEN", "permission", "projects"}},
		{"404", TimeEntries, 404, `Not found`, ErrNotFound, []string{"404 Not Found", "HARVEST_ACCOUNT_ID", "--harvest-base-url"}},
		{"400", Users, 400, `Missing User-Agent header`, nil, []string{"400 Bad Request", "Missing User-Agent header"}},
		{"422", TimeEntries, 422, `{"message":"per_page must be less than or equal to 2000"}`, nil, []string{"422 Unprocessable Entity", "per_page must be"}},
		{"redirect", Users, 302, ``, nil, []string{"302 Found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if tc.status == 302 {
					w.Header().Set("Location", "http://evil.example/steal")
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			c := newTestClient(t, srv.URL)
			err := c.List(context.Background(), tc.res, nil, func(Page) error { return nil })
			var api *APIError
			if !errors.As(err, &api) || api.Status != tc.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, tc.status)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			for _, s := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited} {
				if s != tc.sentinel && errors.Is(err, s) {
					t.Errorf("error also matches %v", s)
				}
			}
			for _, w := range append(tc.want, "GET", srv.URL+"/v2/"+string(tc.res)) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if calls != 1 {
				t.Errorf("%d requests, want 1 (no retry)", calls)
			}
		})
	}
}

// faults answers the first len(steps) requests with the given faults, then lets the listing
// answer.
func faults(t *testing.T, steps ...func(w http.ResponseWriter, r *http.Request)) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > len(steps) {
			return false
		}
		steps[n-1](w, r)
		return true
	}
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"message":"status %d"}`, code)
	}
}

func repeat(n int, f func(http.ResponseWriter, *http.Request)) []func(http.ResponseWriter, *http.Request) {
	s := make([]func(http.ResponseWriter, *http.Request), n)
	for i := range s {
		s[i] = f
	}
	return s
}

func TestRetriesTransientFailures(t *testing.T) {
	truncated := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "500")
		io.WriteString(w, `{"users":[{"id":1},`)
	}
	for _, tc := range []struct {
		name    string
		steps   []func(http.ResponseWriter, *http.Request)
		want    Stats // the counters that must match; Requests and Retries follow from steps
		timeout time.Duration
	}{
		{name: "five 503", steps: repeat(5, status(503)), want: Stats{Stats: httpx.Stats{ServerErrors: 5}}},
		{name: "500 502 504", steps: []func(http.ResponseWriter, *http.Request){status(500), status(502), status(504)}, want: Stats{Stats: httpx.Stats{ServerErrors: 3}}},
		{name: "five 429", steps: repeat(5, status(429, "Retry-After", "1")), want: Stats{Stats: httpx.Stats{RateLimited: 5}}},
		{name: "429 then 503", steps: []func(http.ResponseWriter, *http.Request){status(429), status(503)}, want: Stats{Stats: httpx.Stats{RateLimited: 1, ServerErrors: 1}}},
		{name: "truncated body", steps: []func(http.ResponseWriter, *http.Request){truncated}, want: Stats{Stats: httpx.Stats{NetworkErrors: 1}}},
		{name: "connection reset", steps: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) { hijack(t, w) }}, want: Stats{Stats: httpx.Stats{NetworkErrors: 1}}},
		{name: "timeout", timeout: 100 * time.Millisecond, want: Stats{Stats: httpx.Stats{NetworkErrors: 1}}, steps: []func(http.ResponseWriter, *http.Request){
			func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true, fault: faults(t, tc.steps...)}
			c := newTestClient(t, serve(t, f).URL, func(cfg *Config) {
				if tc.timeout > 0 {
					cfg.HTTPClient = &http.Client{Timeout: tc.timeout}
				}
			})
			col := &collector{t: t}
			if err := c.List(context.Background(), Users, nil, col.fn); err != nil {
				t.Fatal(err)
			}
			n := int64(len(tc.steps))
			if len(col.pages) != 1 || col.pages[0].Attempts != int(n+1) {
				t.Fatalf("pages %+v, want one page after %d attempts", col.pages, n+1)
			}
			got := c.Stats()
			tc.want.Requests, tc.want.Retries, tc.want.Pages, tc.want.Bytes = n+1, n, 1, int64(len(col.pages[0].Body))
			got.Waited = 0
			if got != tc.want {
				t.Errorf("stats %+v, want %+v", got, tc.want)
			}
			if !strings.Contains(c.logs.String(), "level=WARN msg=\"harvest: retrying\"") {
				t.Errorf("no warning logged for the retries:\n%s", c.logs)
			}
		})
	}
}

func TestBackoffDoublesUpTo30s(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true, fault: faults(t, repeat(7, status(503))...)}
	c := newTestClient(t, serve(t, f).URL)
	c.retry.Rand = func() float64 { return 1 } // the ceiling itself
	if err := c.List(context.Background(), Users, nil, func(Page) error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	got := c.clock.Sleeps()
	if len(got) != len(want) {
		t.Fatalf("slept %v, want %v seconds", got, want)
	}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Errorf("wait %d = %v, want %v", i+1, got[i], want[i]*time.Second)
		}
	}
	if st := c.Stats(); st.Waited != 91*time.Second {
		t.Errorf("Waited = %v, want 91s", st.Waited)
	}
}

func TestBackoffJitterStaysUnderCap(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true, fault: faults(t, repeat(7, status(500))...)}
	c := newTestClient(t, serve(t, f).URL)
	if err := c.List(context.Background(), Users, nil, func(Page) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for i, d := range c.clock.Sleeps() {
		if d < 0 || d > c.retry.Ceiling(i+1) {
			t.Errorf("wait %d = %v, outside [0, %v]", i+1, d, c.retry.Ceiling(i+1))
		}
	}
}

func TestAttemptsRunOut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		handler  func(http.ResponseWriter, *http.Request)
		sentinel error
		want     string
	}{
		{"503", status(503), nil, "503 Service Unavailable"},
		{"429", status(429, "Retry-After", "2"), ErrRateLimited, "429 Too Many Requests"},
		{"truncated", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "{")
		}, nil, "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++; tc.handler(w, r) }))
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxAttempts = 3 })
			err := c.List(context.Background(), Clients, nil, func(Page) error { return nil })
			var ae *AttemptsError
			if !errors.As(err, &ae) || ae.Attempts != 3 {
				t.Fatalf("err = %v, want an AttemptsError after 3 attempts", err)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			for _, w := range []string{"GET " + srv.URL + "/v2/clients?per_page=2000", "3 attempts", tc.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if calls != 3 {
				t.Errorf("%d requests, want 3", calls)
			}
		})
	}
}

func TestDefaultAttemptsSurviveSevenFailures(t *testing.T) {
	f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true,
		fault: faults(t, status(429), status(503), status(429), status(500), status(429), status(502), status(429))}
	c := newTestClient(t, serve(t, f).URL)
	if err := c.List(context.Background(), Users, nil, func(Page) error { return nil }); err != nil {
		t.Fatalf("default MaxAttempts gave up: %v", err)
	}
}

func TestRetryAfterPausesTheRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header func(now time.Time) []string
		want   time.Duration
	}{
		{"seconds", func(time.Time) []string { return []string{"Retry-After", "7"} }, 7 * time.Second},
		{"the cap itself, five minutes", func(time.Time) []string { return []string{"Retry-After", "300"} }, MaxRetryAfter},
		{"absent: the window", func(time.Time) []string { return nil }, 15 * time.Second},
		{"HTTP date, against the Date header", func(now time.Time) []string {
			// Our clock is an hour behind the server's; the wait must still be 4 s.
			srv := now.Add(time.Hour)
			return []string{"Date", srv.Format(http.TimeFormat), "Retry-After", srv.Add(4 * time.Second).Format(http.TimeFormat)}
		}, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			f := &fakeListing{t: t, key: "users", pages: 1, perPage: 1, cursor: true, clock: clock}
			f.fault = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n > 1 {
					return false
				}
				status(429, tc.header(clock.Now())...)(w, r)
				return true
			}
			c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Clock = clock })
			if err := c.List(context.Background(), Users, nil, func(Page) error { return nil }); err != nil {
				t.Fatal(err)
			}
			hits := f.requests()
			if len(hits) != 2 {
				t.Fatalf("%d requests, want 2", len(hits))
			}
			if gap := hits[1].at.Sub(hits[0].at); gap < tc.want || gap > tc.want+tc.want/100 {
				t.Errorf("retried %v after the 429, want %v", gap, tc.want)
			}
		})
	}
}

// manualClock's sleepers wait until the test advances it.
type manualClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers int
	wake     chan struct{} // closed and replaced on every advance
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC), wake: make(chan struct{})}
}

func (m *manualClock) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	m.mu.Lock()
	deadline := m.now.Add(d)
	m.sleepers++
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.sleepers--
		m.mu.Unlock()
	}()
	for {
		m.mu.Lock()
		if !m.now.Before(deadline) {
			m.mu.Unlock()
			return nil
		}
		wake := m.wake
		m.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (m *manualClock) advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	close(m.wake)
	m.wake = make(chan struct{})
}

// waitSleepers waits (in real time, briefly) until n goroutines sleep.
func (m *manualClock) waitSleepers(n int) bool {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		m.mu.Lock()
		s := m.sleepers
		m.mu.Unlock()
		if s >= n {
			return true
		}
	}
	return false
}

func TestRateLimitPausesAllWorkers(t *testing.T) {
	const (
		workers = 3
		pages   = 16
	)
	clock := newManualClock()
	f := &fakeListing{t: t, key: "time_entries", pages: pages, perPage: 1, delay: time.Millisecond}
	var limited atomic.Bool
	f.fault = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Query().Get("page") != "5" || !limited.CompareAndSwap(false, true) {
			return false
		}
		status(429, "Retry-After", "7")(w, r)
		return true
	}
	c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Clock = clock; cfg.Concurrency = workers })
	col := &collector{t: t}
	done := make(chan error, 1)
	go func() { done <- c.List(context.Background(), TimeEntries, nil, col.fn) }()

	// Every worker must end up waiting out the pause, instead of fetching on.
	if !clock.waitSleepers(workers) {
		t.Errorf("fewer than %d workers paused after the 429", workers)
	}
	hits := f.requests()
	var after int
	for i, h := range hits {
		if h.status == http.StatusTooManyRequests {
			after = len(hits) - i - 1
		}
	}
	if after > workers-1 {
		t.Errorf("%d requests reached the server after the 429, want at most the %d already under way", after, workers-1)
	}
	clock.advance(6 * time.Second)
	time.Sleep(10 * time.Millisecond)
	if n := len(f.requests()); n != len(hits) {
		t.Errorf("%d requests sent before Retry-After ran out", n-len(hits))
	}
	clock.advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(col.pages) != pages {
		t.Fatalf("%d pages, want %d", len(col.pages), pages)
	}
	if st := c.Stats(); st.RateLimited != 1 || st.Requests != pages+1 {
		t.Errorf("stats %+v, want 1 rate-limited of %d requests", st, pages+1)
	}
}

func TestTokenNeverShown(t *testing.T) {
	echo := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"error":"bad token %s","header":%q}`, testToken, r.Header.Get("Authorization"))
		}
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"401 echo", echo(401)},
		{"422 echo", echo(422)},
		{"5xx until the attempts run out", echo(503)},
		{"200 not JSON", echo(200)},
		{"offsite link with the token", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"users":[],"links":{"next":"http://evil.example/v2/users?access_token=%s&t=%s"}}`, testToken, testToken)
		}},
		{"same-origin link with the token, then 500s", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("access_token") {
				echo(500)(w, r)
				return
			}
			fmt.Fprintf(w, `{"users":[{"id":1}],"links":{"next":"http://%s/v2/users?access_token=%s&cursor=%s"}}`, r.Host, testToken, testToken)
		}},
		{"page field with the token", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"users":[],"total_pages":"%s","links":{"next":null}}`, testToken)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, serve(t, tc.handler).URL, func(cfg *Config) { cfg.MaxAttempts = 2 })
			var urls []string
			err := c.List(context.Background(), Users, nil, func(p Page) error { urls = append(urls, p.URL); return nil })
			if err == nil {
				t.Fatal("List succeeded")
			}
			for what, s := range map[string]string{"error": err.Error(), "log": c.logs.String(), "page URLs": strings.Join(urls, " ")} {
				if strings.Contains(s, testToken) {
					t.Errorf("the token appears in the %s: %s", what, s)
				}
			}
			if !strings.Contains(c.logs.String(), "level=DEBUG") {
				t.Error("no request was logged at debug level")
			}
		})
	}
}

func TestContextCancelStopsPromptly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		mod     func(*Config)
	}{
		{"in-flight request", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, nil},
		{"waiting for the rate window", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"users":[{"id":1}],"links":{"next":"http://%s/v2/users?cursor=c%d"}}`, r.Host, time.Now().UnixNano())
		}, func(cfg *Config) { cfg.RateLimit, cfg.RateWindow = 1, time.Hour }},
		{"waiting out a 429", status(429, "Retry-After", "299"), nil}, // under MaxRetryAfter: waited
		{"backing off a 503", status(503), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The system clock: cancelling must interrupt real waits.
			cfg := Config{BaseURL: serve(t, tc.handler).URL, AccessToken: testToken, AccountID: "1"}
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.retry.Base, c.retry.Max, c.retry.Rand = time.Hour, time.Hour, func() float64 { return 1 } // an hour's backoff
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			err = c.List(ctx, Users, nil, func(Page) error { return nil })
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("List took %v to stop after the cancel", d)
			}
		})
	}
}

func TestPing(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v2/users/me" {
				t.Errorf("path = %s", r.URL.Path)
			}
			w.Write([]byte(`{"id":1}`))
		}, nil},
		{"unauthorized", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, ErrUnauthorized},
		{"not found", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, AccessToken: "tok", AccountID: "1"})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Ping(context.Background())
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Ping() = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c, err := New(Config{BaseURL: url, AccessToken: "tok", AccountID: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(context.Background()); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("Ping() = %v, want ErrUnreachable", err)
		}
	})
}

// A 429 asking for more than MaxRetryAfter fails the listing at once, naming the wait; up to
// the cap it is waited out (issue 9: one Retry-After of 864000 s held a run for 240 h).
func TestRetryAfterLongerThanTheCapFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header func(now time.Time) []string
		wait   time.Duration
		shown  string
	}{
		{"seconds", func(time.Time) []string { return []string{"Retry-After", "864000"} }, 240 * time.Hour, "864000"},
		{"one second past the cap", func(time.Time) []string { return []string{"Retry-After", "301"} }, 301 * time.Second, "301"},
		{"HTTP date", func(now time.Time) []string {
			return []string{"Date", now.Format(http.TimeFormat), "Retry-After", now.Add(2 * time.Hour).Format(http.TimeFormat)}
		}, 2 * time.Hour, "GMT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			f := &fakeListing{t: t, key: "time_entries", pages: 3, perPage: 1, clock: clock}
			f.fault = func(w http.ResponseWriter, r *http.Request, n int) bool {
				status(429, tc.header(clock.Now())...)(w, r)
				return true
			}
			c := newTestClient(t, serve(t, f).URL, func(cfg *Config) { cfg.Clock = clock })
			err := c.List(context.Background(), TimeEntries, nil, func(Page) error { return nil })
			var long *RetryAfterTooLongError
			if !errors.As(err, &long) || !errors.Is(err, ErrRetryAfterTooLong) || !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v, want a RetryAfterTooLongError", err)
			}
			want := fmt.Sprintf("Harvest asked to wait %v before the next request (Retry-After: ", tc.wait)
			for _, w := range []string{want, tc.shown, "longer than the 5m0s harvest2runn waits: the run stops; run it again later", "/v2/time_entries"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if long.Wait != tc.wait || long.Max != MaxRetryAfter {
				t.Errorf("error %+v, want wait %v", long, tc.wait)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1: nothing is retried", n)
			}
			if s := clock.Sleeps(); len(s) != 0 {
				t.Errorf("the client slept %v", s)
			}
		})
	}
}
