package runn

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
)

// testToken looks like a live Runn token; tests check it never leaks.
const testToken = "LIVE_9f3c1a7e5b2d4c6e8a0b1c2d3e4f5a6b"

// fakeClock is the shared fake clock under the name the runn tests use.
type fakeClock = testkit.FakeClock

func newFakeClock() *fakeClock {
	return testkit.NewFakeClock(time.Date(2025, 7, 10, 9, 0, 0, 0, time.UTC))
}

type testAPI struct {
	*API
	clock *fakeClock
	logs  *testkit.SyncBuffer
}

// newTestAPI returns a client of baseURL with a fake clock, a fixed jitter of 0.5, debug logs
// captured, and cfg changed by the options.
func newTestAPI(t *testing.T, baseURL string, opts ...func(*Config)) testAPI {
	t.Helper()
	clock := newFakeClock()
	logs := &testkit.SyncBuffer{}
	cfg := Config{
		BaseURL: baseURL,
		Token:   testToken,
		Clock:   clock,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.retry.Rand = func() float64 { return 0.5 }
	return testAPI{API: c, clock: clock, logs: logs}
}

// recorded is one request as a test server saw it.
type recorded struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// recorder is an httptest server whose handler answers with script(n, request) for the n-th
// request (0-based) and records every request.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newRecorder(t *testing.T, script func(n int, w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: string(body)})
		rec.mu.Unlock()
		script(n, w, r)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// writeJSON answers status with body and the headers given as name, value pairs.
func writeJSON(w http.ResponseWriter, status int, body string, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// runnError is Runn's error body.
func runnError(status int, message string) string {
	return `{"error":"` + http.StatusText(status) + `","message":"` + message + `","statusCode":` + strconv.Itoa(status) + `}`
}

// resetConnection closes the connection without answering (the request has been read).
func resetConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("the test server cannot hijack connections")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// emptyPage is a last page with no values.
const emptyPage = `{"values":[],"nextCursor":null}`

// checkDecoded reports err, or how got differs from want, for the call name.
func checkDecoded(t *testing.T, name string, got, want any, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s decoded (-want +got):\n%s", name, diff)
	}
}
