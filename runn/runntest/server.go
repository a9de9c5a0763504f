package runntest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
)

// maxBodyBytes is Fastify's default body limit, which Runn's API answers 413 beyond.
const maxBodyBytes = 1 << 20

// Server is a running fake Runn API. It is safe for concurrent use.
type Server struct {
	opts    Options
	spec    *spec
	ops     []*operation
	limiter *limiter
	http    *httptest.Server
	done    chan struct{}
	close   sync.Once

	// mu guards store, every record in it, and lists. Reads hold it shared, so that the listings
	// a client reads side by side are worked out on every core, as a real server's are.
	mu    sync.RWMutex
	store *store
	lists *listCache

	// logMu guards the bookkeeping, which no request should wait on a read of the store for.
	logMu    sync.Mutex
	faults   []Fault
	requests []Request
}

// listCache holds each listing's filtered and sorted records (by path and query, cursor aside)
// until the next write: a listing of many pages would otherwise filter and sort every record
// again for each page.
type listCache struct {
	mu      sync.Mutex
	entries map[string]any
}

func (lc *listCache) get(key string) any {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.entries[key]
}

func (lc *listCache) put(key string, v any) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.entries[key] = v
}

// NewServer starts a fake holding seed (nil: empty). It loads and validates the spec, and
// refuses a seed the real Runn could not be in (duplicate ids, dangling references).
func NewServer(seed *State, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	sp, err := loadSpec(context.Background(), opts.SpecPath)
	if err != nil {
		return nil, err
	}
	ops, err := operationsOf(sp.doc)
	if err != nil {
		return nil, err
	}
	st, err := newStore(seed, runnTime(opts.Now()))
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		spec:    sp,
		ops:     ops,
		limiter: newLimiter(opts.RateLimit, opts.RateWindow, opts.FixedWindow),
		done:    make(chan struct{}),
		store:   st,
		lists:   &listCache{entries: map[string]any{}},
	}
	s.http = httptest.NewServer(s)
	return s, nil
}

// URL is the base URL to give a client in place of https://api.runn.io.
func (s *Server) URL() string { return s.http.URL }

// Close stops the server, cutting short any Delay or Latency under way.
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.done)
		s.http.Close()
	})
}

// State returns a deep copy of the current state, each kind sorted by id.
func (s *Server) State() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.snapshot()
}

// runnTime is a timestamp as Runn writes them: UTC, to the millisecond.
func runnTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// ServeHTTP answers one request, in the order Runn's server would refuse it: rate limit,
// unknown route (404), token (401), body size (413), spec validation (400), then the
// operation, which may refuse it too (400, 404).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := s.beginRequest(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Time: s.opts.Now()})
	sw := &statusWriter{ResponseWriter: w, onStatus: func(status int) { s.logStatus(i, status) }}
	s.serve(sw, r, i)
}

func (s *Server) serve(w *statusWriter, r *http.Request, logIndex int) {
	c, ok := s.accept(w, r)
	if !ok {
		return
	}
	f, faulted := s.takeFault(r.Method, r.URL.Path, c.op, logIndex)
	if !faulted {
		s.answer(w, c)
		return
	}
	s.answerFault(w, c, f)
}

// accept runs the checks ahead of the operation, in ServeHTTP's order, and returns the
// validated call. When it refuses the request it has answered (or dropped) it already.
//
// Latency is the least time an answer takes, the server's own work included, as a client sees
// a real server's: the checks that do not depend on time run as the request arrives, and a read
// is worked out meanwhile (reading at any moment of the request's flight is what a real server
// may do). A write still applies after the latency, so that a client gone by then changed nothing.
func (s *Server) accept(w http.ResponseWriter, r *http.Request) (*call, bool) {
	arrived := time.Now()
	c, refusal := s.check(w, r)
	if c != nil && r.Method == http.MethodGet && s.opts.Latency > 0 {
		c.early = s.runEarly(c)
	}
	if !s.sleep(r.Context(), s.opts.Latency-time.Since(arrived)) {
		drop(w, false)
		return nil, false
	}
	if ok, retryAfter := s.limiter.admit(s.opts.Now(), w.Header()); !ok {
		w.Header().Set("retry-after", strconv.Itoa(retryAfter))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("Rate limit exceeded, retry in %d seconds", retryAfter))
		return nil, false
	}
	if refusal != nil {
		writeError(w, refusal.status, refusal.message)
		return nil, false
	}
	return c, true
}

// check validates a request as Runn's server would after its rate limit: route (404), token
// (401), body size (413), spec (400).
func (s *Server) check(w http.ResponseWriter, r *http.Request) (*call, *apiError) {
	op := matchOperation(s.ops, r.Method, r.URL.Path)
	if op == nil {
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.RequestURI())}
	}
	if !s.authorized(r) {
		return nil, &apiError{http.StatusUnauthorized, "Unauthorized"}
	}
	body, apiErr := readBody(w, r)
	if apiErr != nil {
		return nil, apiErr
	}
	route, params, err := s.spec.router.FindRoute(r)
	if err != nil || route.Path != op.path || route.Method != op.method {
		// Cannot happen while both come from the same document; refuse rather than guess.
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("Route %s:%s not found", r.Method, r.URL.RequestURI())}
	}
	body, apiErr = validateRequest(r.Context(), r, route, params, body)
	if apiErr != nil {
		return nil, apiErr
	}
	return &call{r: r, op: op, route: route, params: params, body: body, applyItems: -1}, nil
}

// readBody reads the body up to Runn's limit; when it cannot, the refusal is 413 or 400.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		return nil, &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is larger than %d bytes", tooLarge.Limit)}
	}
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "body: cannot be read: " + err.Error()}
	}
	return body, nil
}

// answerFault answers a validated call as the fault f says, applying it or not.
func (s *Server) answerFault(w http.ResponseWriter, c *call, f Fault) {
	switch f.Kind {
	case Delay:
		if !s.sleep(c.r.Context(), f.Delay) {
			drop(w, false)
			return
		}
		s.answer(w, c)
	case ServerError:
		writeError(w, f.Status, "runntest: injected server error, nothing applied")
	case ResetConnection:
		drop(w, true)
	case LostResponse:
		s.run(c)
		drop(w, false)
	case PartialBulk:
		c.applyItems = f.ApplyItems
		status, b := s.run(c)
		if status >= 200 && status < 300 {
			writeError(w, http.StatusInternalServerError, fmt.Sprintf("runntest: injected failure after %d items applied", f.ApplyItems))
		} else {
			writeJSON(w, status, b)
		}
	case Redirect:
		if f.Location != "" {
			w.Header().Set("Location", f.Location)
		}
		w.WriteHeader(f.Status)
	case EmptyListing:
		writeJSON(w, http.StatusOK, []byte(`{"values":[],"nextCursor":null}`))
	case CreateAnswer:
		s.answerCreate(w, c, f)
	default:
		s.answer(w, c)
	}
}

// answerCreate answers a CreateAnswer fault: Fault.Body with 201, after applying the create
// when Fault.Apply asks, unless applying it was refused.
func (s *Server) answerCreate(w http.ResponseWriter, c *call, f Fault) {
	if f.Apply {
		if status, b := s.run(c); status < 200 || status > 299 {
			writeJSON(w, status, b)
			return
		}
	}
	writeJSON(w, http.StatusCreated, f.Body)
}

func (s *Server) answer(w http.ResponseWriter, c *call) {
	status, b := s.run(c)
	writeJSON(w, status, b)
}

// answered is a call's status and encoded answer.
type answered struct {
	status int
	body   []byte
}

// runEarly works a read out in the background; run then gives its answer.
func (s *Server) runEarly(c *call) <-chan answered {
	out := make(chan answered, 1)
	go func() {
		status, b := s.runNow(c)
		out <- answered{status, b}
	}()
	return out
}

// run executes the operation under the lock and encodes its answer (a read's, worked out
// early, once it is ready).
func (s *Server) run(c *call) (int, []byte) {
	if c.early != nil {
		a := <-c.early
		return a.status, a.body
	}
	return s.runNow(c)
}

func (s *Server) runNow(c *call) (int, []byte) {
	if c.r.Method == http.MethodGet {
		s.mu.RLock()
		defer s.mu.RUnlock()
	} else {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lists = &listCache{entries: map[string]any{}}
	}
	c.now = runnTime(s.opts.Now())
	c.today = s.opts.Today
	if c.today == "" {
		c.today = c.now.Format(time.DateOnly)
	}
	c.lists = s.lists
	status, payload, apiErr := c.op.handle(s.store, c)
	if apiErr != nil {
		status, payload = apiErr.status, errorBody(apiErr.status, apiErr.message)
	}
	// goccy/go-json: a page of 500 actuals in a third of encoding/json's time, under the lock
	// every write waits on.
	b, err := gojson.Marshal(payload)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody(status, "runntest: cannot encode answer: "+err.Error()))
	}
	return status, b
}

func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.Token)) == 1
}

// sleep waits d unless the client goes away or the server closes; it reports whether the
// full time passed. When it did not, the caller drops the connection: returning without an
// answer would make net/http send an empty 200.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

// drop closes the connection without answering. reset makes it a TCP reset rather than
// an orderly close.
func drop(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0) // best effort: an orderly close still drops the answer
	}
	_ = conn.Close()
}
