package harvesttest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// Options configure a Server.
type Options struct {
	Token     string // the access token the server accepts (Authorization: Bearer <token>); required
	AccountID string // the Harvest-Account-Id the server accepts; required
	NonAdmin  bool   // the token is not an administrator's: /v2/roles answers 403

	// MaxPerPage caps the records on a page whatever per_page asks (the real API's maximum,
	// and the default, is 2000), so that a small account has several pages; 0 = 2000.
	MaxPerPage int

	RateLimit  int           // at most this many requests in any RateWindow, e.g. 100; 0 = unlimited
	RateWindow time.Duration // e.g. 15 * time.Second, as Harvest; 0 = unlimited

	Latency time.Duration    // the least time every answer takes, the server's work included (real; for benchmarks)
	Now     func() time.Time // clock for rate limiting, the request log and updated_at; default time.Now
	Logger  *slog.Logger     // receives one debug line per request; default discards
}

// Server is a running fake Harvest API v2. It is safe for concurrent use.
type Server struct {
	opts Options
	now  func() time.Time
	log  *slog.Logger
	http *httptest.Server
	base string
	done chan struct{} // closed by Close, to end sleeps

	mu      sync.RWMutex
	tables  map[string]*table // cursor-paged resources by name; the map is fixed at start
	entries *entryStore
	cache   entryCache

	limiter *windowLimiter
	faults  faultQueue
	reqs    requestLog

	closeOnce sync.Once
}

// ErrNotFound is returned by the update and delete methods for an id the account lacks.
var ErrNotFound = errors.New("harvesttest: no such record")

// NewServer starts a fake Harvest API serving acct. Call Close when done.
//
// The server takes acct over: it never modifies acct's records (changes store fresh copies),
// so the caller may keep reading acct, but must not modify it while the server runs. Account
// returns the current state.
//
// NewServer panics when the options lack credentials or acct is invalid (see LoadAccount),
// as httptest.NewServer panics when it cannot listen: a test cannot go on either way.
//
// Routes: GET /v2/{users,roles,clients,projects,tasks,user_assignments,time_entries}, the
// same followed by /{id}, and /v2/users/me (the first active administrator, or with NonAdmin
// the first active other user). Known deviations from the real API: only GET is served
// (other methods answer 405); state changes go through the Server's methods; they do not
// cascade (renaming a user leaves the name in existing time entries and roles' user_ids as
// they were); query-string authentication (?access_token=) is not accepted.
func NewServer(acct *Account, opts Options) *Server {
	if opts.Token == "" || opts.AccountID == "" {
		panic("harvesttest: NewServer: Options.Token and Options.AccountID are required")
	}
	if err := acct.validate(); err != nil {
		panic(fmt.Sprintf("harvesttest: NewServer: invalid account: %v", err))
	}
	s := &Server{
		opts:    opts,
		now:     opts.Now,
		log:     opts.Logger,
		done:    make(chan struct{}),
		limiter: newWindowLimiter(opts.RateLimit, opts.RateWindow),
		entries: newEntryStore(acct.TimeEntries),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.tables = map[string]*table{
		"users":            mustTable(acct.Users),
		"roles":            mustTable(acct.Roles),
		"clients":          mustTable(acct.Clients),
		"projects":         mustTable(acct.Projects),
		"tasks":            mustTable(acct.Tasks),
		"user_assignments": mustTable(acct.UserAssignments),
	}
	s.http = httptest.NewServer(s)
	s.base = s.http.URL
	return s
}

func mustTable[T any](recs []T) *table {
	rows := make([]*row, len(recs))
	for i := range recs {
		r, err := newRow(&recs[i])
		if err != nil {
			panic(fmt.Sprintf("harvesttest: NewServer: %v", err))
		}
		rows[i] = r
	}
	return newTable(rows)
}

// URL is the base URL, without /v2: clients append /v2/<resource>.
func (s *Server) URL() string { return s.base }

// Close stops the server, ending injected delays at once, and waits for requests in flight.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.http.Close()
	})
}

// InjectFault queues f; see Fault and FaultKind. It panics on an unknown kind or a
// ServerError without a 5xx status.
func (s *Server) InjectFault(f Fault) { s.faults.add(f) }

// PendingFaults is how many injected faults have not been used up yet.
func (s *Server) PendingFaults() int { return s.faults.len() }

// Requests returns the requests received so far, in the order they were answered. A request
// is logged before its answer leaves, so a client that has its answer finds it here.
func (s *Server) Requests() []Request { return s.reqs.all() }

// stamp is the clock's now at Harvest's resolution: UTC, whole seconds.
func (s *Server) stamp() time.Time { return s.now().UTC().Truncate(time.Second) }

// sleep waits d unless the client leaves or the server closes; then it drops the connection,
// since there is no one left to answer.
func (s *Server) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		panic(http.ErrAbortHandler)
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}

// ServeHTTP answers one request: latency, credentials, rate limit, faults, then the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := s.now()
	sw := &statusWriter{ResponseWriter: w, report: func(status int) {
		query := redactQuery(r.URL.RawQuery)
		s.reqs.add(Request{Method: r.Method, Path: r.URL.Path, RawQuery: query, Status: status, Time: arrived})
		s.log.Debug("harvesttest: request", "method", r.Method, "path", r.URL.Path, "query", query, "status", status)
	}}
	defer sw.reportOnce(0) // a request abandoned without an answer is logged too
	var early chan response
	if s.opts.Latency > 0 {
		// Every request is a read: it is worked out while the latency passes, which is then the
		// least time an answer takes, the server's own work included, as a client sees a real
		// server's.
		start := time.Now()
		early = make(chan response, 1)
		go func() { early <- s.route(r) }()
		s.sleep(r.Context(), s.opts.Latency-time.Since(start))
	}
	if resp, ok := s.checkCredentials(r); !ok {
		resp.write(sw)
		return
	}
	if ok, wait := s.limiter.allow(s.now()); !ok {
		tooManyRequests(retryAfterSeconds(wait)).write(sw)
		return
	}
	f, faulty := s.faults.take(r)
	if faulty && s.faultBefore(sw, r, f) {
		return
	}
	var resp response
	if early != nil {
		resp = <-early
	} else {
		resp = s.route(r)
	}
	if faulty && s.faultAfter(sw, r, f, &resp) {
		return
	}
	resp.write(sw)
}

// redactQuery hides an access_token sent in the query string (Harvest accepts one there, this
// fake does not), so that it never reaches the request log.
func redactQuery(raw string) string {
	if !strings.Contains(raw, "access_token") {
		return raw
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "(unparsable query withheld)"
	}
	if q.Has("access_token") {
		q.Set("access_token", "REDACTED")
	}
	return q.Encode()
}

// checkCredentials answers as Harvest does: 400 without a User-Agent, 401 unless both the
// bearer token and the account id are right.
func (s *Server) checkCredentials(r *http.Request) (response, bool) {
	if strings.TrimSpace(r.Header.Get("User-Agent")) == "" {
		return oauthError(http.StatusBadRequest, "bad_request",
			`Missing User-Agent header: Harvest requires one naming the application and a contact, e.g. "MyApp (ops@example.com)".`), false
	}
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") ||
		subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) != 1 ||
		r.Header.Get("Harvest-Account-Id") != s.opts.AccountID {
		return invalidToken(), false
	}
	return response{}, true
}

// listingName is the resource of a listing path such as /v2/users, or "".
func listingName(path string) string {
	name, ok := strings.CutPrefix(path, "/v2/")
	if !ok || strings.Contains(name, "/") {
		return ""
	}
	return name
}

func (s *Server) route(r *http.Request) response {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/")
	if !ok {
		return notFound()
	}
	name, id, single := strings.Cut(rest, "/")
	res, ok := lookupResource(name)
	if !ok || (single && (id == "" || strings.Contains(id, "/"))) {
		return notFound()
	}
	if r.Method != http.MethodGet {
		resp := jsonResponse(http.StatusMethodNotAllowed, map[string]any{"status": 405, "error": "Method Not Allowed"})
		resp.allow = http.MethodGet
		return resp
	}
	if name == "roles" && s.opts.NonAdmin {
		return oauthError(http.StatusForbidden, "forbidden", "Only administrators can read roles.")
	}
	if single {
		return s.getOne(name, id)
	}
	lq, err := parseListQuery(res, r.URL.Query())
	if err != nil {
		return unprocessable(err)
	}
	if s.opts.MaxPerPage > 0 {
		lq.perPage = min(lq.perPage, s.opts.MaxPerPage)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if name == "time_entries" {
		return okResponse(s.listEntries(lq))
	}
	body, err := s.listRows(res, s.tables[name], lq)
	if err != nil {
		return unprocessable(err)
	}
	return okResponse(body)
}

func (s *Server) getOne(name, idText string) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if name == "users" && idText == "me" {
		if r := s.me(); r != nil {
			return okResponse(r.body)
		}
		return notFound()
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return notFound()
	}
	if name == "time_entries" {
		e, ok := s.entries.byID[id]
		if !ok {
			return notFound()
		}
		return okResponse(appendTimeEntry(nil, e))
	}
	r, ok := s.tables[name].byID[id]
	if !ok {
		return notFound()
	}
	return okResponse(r.body)
}

// me is the token's owner: the active user with the lowest id who is an administrator, or,
// for a NonAdmin token, who is not.
func (s *Server) me() *row {
	var best *row
	for _, r := range s.tables["users"].rows {
		u := r.rec.(*harvest.User)
		if !u.IsActive || slices.Contains(u.AccessRoles, "administrator") == s.opts.NonAdmin {
			continue
		}
		if best == nil || r.id < best.id {
			best = r
		}
	}
	return best
}
