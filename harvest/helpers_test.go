package harvest

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

const testToken = "pat-1234567.abcdefghijklmnopqrstuvwxyz0123456789SECRET"

// newFakeClock returns the shared fake clock at the time the harvest tests start from.
func newFakeClock() *testkit.FakeClock {
	return testkit.NewFakeClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
}

type testClient struct {
	*APIClient
	clock *testkit.FakeClock
	logs  *testkit.SyncBuffer
}

// newTestClient returns a client of base with a fake clock and a debug log in memory.
func newTestClient(t *testing.T, base string, mods ...func(*Config)) testClient {
	t.Helper()
	clock := newFakeClock()
	logs := &testkit.SyncBuffer{}
	cfg := Config{
		BaseURL:     base,
		AccessToken: testToken,
		AccountID:   "123456",
		Clock:       clock,
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return testClient{APIClient: c, clock: clock, logs: logs}
}

// hit is one request as the fake listing saw it.
type hit struct {
	query  url.Values
	header http.Header
	at     time.Time // on the fake clock, when there is one
	page   int
	status int
}

// fakeListing serves a listing of pages×perPage records, in cursor or page-number mode, the
// way Harvest shapes its envelopes.
type fakeListing struct {
	t       *testing.T
	key     string
	pages   int
	perPage int
	cursor  bool
	clock   *testkit.FakeClock // when set, hits record its time
	delay   time.Duration      // real time each page answer takes, so that requests overlap
	// fault may answer request number n (1-based) itself, returning true when it did.
	fault func(w http.ResponseWriter, r *http.Request, n int) bool
	// envelope may change a page's envelope before it is sent.
	envelope func(page int, env map[string]any)

	mu          sync.Mutex
	hits        []hit
	inFlight    int
	maxInFlight int
	bodies      map[int][]byte // sent, by page
}

func (f *fakeListing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	n := len(f.hits) + 1
	h := hit{query: r.URL.Query(), header: r.Header.Clone()}
	if f.clock != nil {
		h.at = f.clock.Now()
	}
	f.hits = append(f.hits, h)
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		f.mu.Lock()
		f.hits[n-1].status = rec.status
		f.mu.Unlock()
	}()
	if f.fault != nil && f.fault(rec, r, n) {
		return
	}
	page := f.pageOf(r)
	f.mu.Lock()
	f.hits[n-1].page = page
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	body := f.body(r, page)
	f.mu.Lock()
	if f.bodies == nil {
		f.bodies = map[int][]byte{}
	}
	f.bodies[page] = body
	f.mu.Unlock()
	rec.Header().Set("Content-Type", "application/json; charset=utf-8")
	rec.Write(body)
}

func (f *fakeListing) pageOf(r *http.Request) int {
	q := r.URL.Query()
	if f.cursor {
		if q.Has("page") {
			f.t.Errorf("request %s uses page in cursor mode", r.URL)
		}
		if c := q.Get("cursor"); c != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(c, "c"))
			if err != nil {
				f.t.Errorf("bad cursor %q", c)
			}
			return n
		}
		return 1
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			f.t.Errorf("bad page %q", p)
		}
		return n
	}
	return 1
}

// body is page p as Harvest would send it for r.
func (f *fakeListing) body(r *http.Request, p int) []byte {
	records := []map[string]any{}
	if p <= f.pages {
		for i := range f.perPage {
			records = append(records, map[string]any{"id": (p-1)*f.perPage + i + 1, "notes": fmt.Sprintf("page %d", p)})
		}
	}
	link := func(ref string, page int) string {
		q := r.URL.Query()
		q.Del("page")
		q.Del("cursor")
		q.Del("ref")
		if f.cursor && ref == "next_cursor" {
			q.Set("cursor", fmt.Sprintf("c%d", page))
		} else {
			q.Set("page", strconv.Itoa(page))
		}
		q.Set("ref", ref)
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	var next, nextPage, prevPage, pageField any
	pageField = p
	if p < f.pages {
		next = link("next_cursor", p+1)
		if !f.cursor {
			next = link("next", p+1)
		}
		nextPage = p + 1
	}
	if p > 1 {
		prevPage = p - 1
	}
	if f.cursor && p > 1 && p < f.pages {
		// Harvest's middle pages in cursor mode.
		pageField, nextPage, prevPage = nil, nil, nil
	}
	env := map[string]any{
		f.key:           records,
		"per_page":      f.perPage,
		"total_pages":   f.pages,
		"total_entries": f.pages * f.perPage,
		"next_page":     nextPage,
		"previous_page": prevPage,
		"page":          pageField,
		"links": map[string]any{
			"first":    link("first", 1),
			"next":     next,
			"previous": nil,
			"last":     link("last", f.pages),
		},
	}
	if f.envelope != nil {
		f.envelope(p, env)
	}
	b, err := json.Marshal(env)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fakeListing) requests() []hit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]hit(nil), f.hits...)
}

func (f *fakeListing) sent(page int) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[page]
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// hijack closes the connection under r without an answer.
func hijack(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	conn.Close()
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// collector is a List callback that keeps the pages and fails the test if called concurrently.
type collector struct {
	mu    sync.Mutex
	busy  bool
	t     *testing.T
	pages []Page
}

func (c *collector) fn(p Page) error {
	c.mu.Lock()
	if c.busy {
		c.t.Error("fn called concurrently")
	}
	c.busy = true
	c.mu.Unlock()
	time.Sleep(time.Millisecond) // widen the window in which a concurrent call would show
	c.mu.Lock()
	c.busy = false
	c.pages = append(c.pages, p)
	c.mu.Unlock()
	return nil
}
