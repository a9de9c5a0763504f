package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

const (
	testToken = "load-test-token-5f0c1e9a7b3d"
	testToday = "2025-06-27"
)

var fixedNow = time.Date(2025, 6, 27, 22, 0, 0, 0, time.UTC)

// planRun registers a run as extract and transform would leave it: a succeeded run whose Runn
// extract holds before's actuals, a 'planned' transform, and p as its plan.
func planRun(t testing.TB, w *warehouse.Warehouse, before *runntest.State, p Plan) int64 {
	t.Helper()
	ctx := context.Background()
	today, _ := time.Parse(time.DateOnly, testToday)
	run, err := w.StartRun(ctx, "extract", today, map[string]any{"window_from": "2025-05-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.FinishRun(ctx, run.ID, warehouse.RunSucceeded, nil); err != nil {
		t.Fatal(err)
	}
	ddl, err := os.ReadFile("testdata/plan_tables.sql")
	if err != nil {
		t.Fatal(err)
	}
	var extractID int64
	tx := w.DB.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = tx.ExecContext(ctx, string(ddl))
	must(err)
	must(tx.GetContext(ctx, &extractID, `INSERT INTO meta.extracts (run_id, source, status, started_at, finished_at)
		VALUES (?, 'runn', 'succeeded', now(), now()) RETURNING extract_id`, run.ID))
	_, err = tx.ExecContext(ctx, `INSERT INTO meta.transforms (run_id, status) VALUES (?, 'planned')`, run.ID)
	must(err)
	var snap [][]any
	for _, a := range before.Actuals {
		var ws any
		if a.WorkstreamID != nil {
			ws = *a.WorkstreamID
		}
		snap = append(snap, []any{extractID, a.ID, a.Date, a.PersonID, a.ProjectID, a.RoleID, ws, a.BillableMinutes, a.NonbillableMinutes})
	}
	must(insertValues(ctx, tx, `INSERT INTO raw.runn_actuals (extract_id, page_seq, id, date, person_id, project_id, role_id,
		workstream_id, billable_minutes, nonbillable_minutes) VALUES %s`, "(?, 1, ?, ?::DATE, ?, ?, ?, ?, ?, ?)", snap))
	must(insertPlan(ctx, tx, run.ID, p))
	must(tx.Commit())
	return run.ID
}

func insertPlan(ctx context.Context, tx *sqlx.Tx, runID int64, p Plan) error {
	var rows [][]any
	for _, c := range p.Roles {
		rows = append(rows, []any{runID, c.RoleKey, c.Name, c.HarvestRoleID, c.Rule, c.Reason})
	}
	if err := insertValues(ctx, tx, `INSERT INTO plan.chg_runn__roles VALUES %s`, "(?, ?, ?, ?, ?, ?)", rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range p.Clients {
		rows = append(rows, []any{runID, c.HarvestClientID, c.Name, c.Rule, c.Reason})
	}
	if err := insertValues(ctx, tx, `INSERT INTO plan.chg_runn__clients VALUES %s`, "(?, ?, ?, ?, ?)", rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range p.Projects {
		rows = append(rows, []any{runID, c.HarvestProjectID, c.Name, c.HarvestClientID, c.RunnClientID, c.PricingModel, c.Budget, c.Rule, c.Reason})
	}
	if err := insertValues(ctx, tx, `INSERT INTO plan.chg_runn__projects VALUES %s`, "(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range p.People {
		rows = append(rows, []any{runID, c.HarvestUserID, c.FirstName, c.LastName, c.Email, c.RoleKey, c.RunnRoleID, c.CostPerHour,
			c.EmploymentType, c.StartDate, c.Rule, c.Reason})
	}
	if err := insertValues(ctx, tx, `INSERT INTO plan.chg_runn__people VALUES %s`, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::DATE, ?, ?)", rows); err != nil {
		return err
	}
	rows = nil
	for _, c := range p.Actuals {
		rows = append(rows, []any{runID, c.Date, c.HarvestUserID, c.RunnPersonID, c.HarvestProjectID, c.RunnProjectID, c.RunnRoleID,
			c.RoleKey, c.BillableMinutes, c.NonbillableMinutes, c.RunnBillableMinutes, c.RunnNonbillableMinutes, c.Rule, c.Reason})
	}
	return insertValues(ctx, tx, `INSERT INTO plan.chg_runn__actuals VALUES %s`, "(?, ?::DATE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
}

// startFake serves seed on a fake Runn whose clock is fixed (so two runs give equal
// timestamps) and whose rate limit is off unless opts sets one.
func startFake(t testing.TB, seed *runntest.State, opts runntest.Options) *testwarehouse.RunnFake {
	t.Helper()
	opts.Token, opts.Today = testToken, testToday
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	return testwarehouse.StartRunn(t, seed, opts)
}

// newClient is a client of srv on a fake clock (testkit's, at fixedNow, unless clock is set),
// so rate limits, 429 pauses and backoff cost no real time; wrap, when set, wraps its transport.
func newClient(t testing.TB, srv *testwarehouse.RunnFake, clock runn.Clock, wrap func(http.RoundTripper) http.RoundTripper) *runn.API {
	t.Helper()
	return newClientTimeout(t, srv, clock, wrap, 10*time.Second)
}

// newClientTimeout is newClient whose HTTP client gives up on a request after timeout (0: never,
// for a test whose transport holds requests and guards its own wait).
func newClientTimeout(t testing.TB, srv *testwarehouse.RunnFake, clock runn.Clock, wrap func(http.RoundTripper) http.RoundTripper, timeout time.Duration) *runn.API {
	t.Helper()
	var rt http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	if wrap != nil {
		rt = wrap(rt)
	}
	if clock == nil {
		clock = testkit.NewFakeClock(fixedNow)
	}
	return srv.Client(t, runn.Config{Clock: clock, HTTPClient: &http.Client{Transport: rt, Timeout: timeout}})
}

// killer stops the process, as far as the load can tell, at the n-th request: with afterApply
// false the request is never sent; with it true Runn handles it and the answer is lost. Either
// way ctx is cancelled, as a SIGKILL leaves nothing more to run.
type killer struct {
	base       http.RoundTripper
	n          int64
	afterApply bool
	// method, when set, makes n count only requests of that method (the reads before each
	// kind's creates all start with the load, in any order).
	method string
	cancel context.CancelFunc
	count  atomic.Int64
}

func (k *killer) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.method != "" && r.Method != k.method {
		return k.base.RoundTrip(r)
	}
	i := k.count.Add(1)
	switch {
	case i < k.n:
		return k.base.RoundTrip(r)
	case i == k.n && k.afterApply:
		if resp, err := k.base.RoundTrip(r); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	k.cancel()
	return nil, fmt.Errorf("killed at request %d: %w", i, context.Canceled)
}

// normalState is a fake's state with what legitimately differs between two equal loads removed:
// timestamps (a rate-limited load takes longer), the ids of created records (creates of one kind
// run concurrently, so they land in any order: records are renumbered in the order of their
// Harvest reference, or name, and every id that points at them with them), and actuals' ids
// (they follow the order batches landed in), so actuals are compared by key and minutes.
type normalState struct {
	State   *runntest.State
	Actuals []string
}

// renumber gives each record of a kind a new id, its place in the order of stable keys (ties,
// which only seeded records can have, by the old id), and returns old id -> new id.
func renumber[T any](records []T, id func(*T) *int64, key func(*T) string) map[int64]int64 {
	idx := make([]int, len(records))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := key(&records[idx[a]]), key(&records[idx[b]])
		if ka != kb {
			return ka < kb
		}
		return *id(&records[idx[a]]) < *id(&records[idx[b]])
	})
	out := make(map[int64]int64, len(records))
	sorted := make([]T, len(records))
	for n, i := range idx {
		out[*id(&records[i])] = int64(n + 1)
		sorted[n] = records[i]
		*id(&sorted[n]) = int64(n + 1)
	}
	copy(records, sorted)
	return out
}

func refKey(refs []runn.Reference, name string) string {
	for _, r := range refs {
		if strings.EqualFold(r.ReferenceName, runn.HarvestReferenceName) {
			return "h" + r.ExternalID
		}
	}
	return "n" + name
}

func remap(m map[int64]int64, ids []int64) []int64 {
	out := make([]int64, len(ids))
	for i, v := range ids {
		out[i] = m[v]
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

func normalise(s *runntest.State) normalState {
	c := *s
	c.Roles = slices.Clone(s.Roles)
	c.Clients = slices.Clone(s.Clients)
	c.Projects = slices.Clone(s.Projects)
	c.People = slices.Clone(s.People)
	c.Contracts = slices.Clone(s.Contracts)
	c.Assignments = slices.Clone(s.Assignments)
	c.ProjectTags = slices.Clone(s.ProjectTags)
	roles := renumber(c.Roles, func(r *runn.Role) *int64 { return &r.ID },
		func(r *runn.Role) string { return refKey(r.References, deref(r.Name)) })
	clients := renumber(c.Clients, func(r *runn.Client) *int64 { return &r.ID },
		func(r *runn.Client) string { return refKey(r.References, r.Name) })
	projects := renumber(c.Projects, func(r *runn.Project) *int64 { return &r.ID },
		func(r *runn.Project) string { return refKey(r.References, r.Name) })
	people := renumber(c.People, func(r *runn.Person) *int64 { return &r.ID },
		func(r *runn.Person) string { return refKey(r.References, r.FirstName+" "+r.LastName) })
	var zero time.Time
	for i := range c.Roles {
		c.Roles[i].CreatedAt, c.Roles[i].UpdatedAt = zero, zero
		c.Roles[i].PersonIDs = remap(people, c.Roles[i].PersonIDs)
	}
	for i := range c.Clients {
		c.Clients[i].CreatedAt, c.Clients[i].UpdatedAt = zero, zero
	}
	for i := range c.Projects {
		c.Projects[i].CreatedAt, c.Projects[i].UpdatedAt = zero, zero
		c.Projects[i].ClientID = clients[c.Projects[i].ClientID]
	}
	for i := range c.People {
		c.People[i].CreatedAt, c.People[i].UpdatedAt = zero, zero
	}
	for i := range c.Contracts {
		c.Contracts[i].CreatedAt, c.Contracts[i].UpdatedAt = zero, zero
		c.Contracts[i].PersonID, c.Contracts[i].RoleID = people[c.Contracts[i].PersonID], roles[c.Contracts[i].RoleID]
	}
	renumber(c.Contracts, func(r *runn.Contract) *int64 { return &r.ID },
		func(r *runn.Contract) string { return fmt.Sprintf("%09d %s %09d", r.PersonID, r.StartDate, r.RoleID) })
	for i := range c.Assignments {
		a := &c.Assignments[i]
		a.PersonID, a.ProjectID, a.RoleID = people[a.PersonID], projects[a.ProjectID], roles[a.RoleID]
	}
	for i := range c.ProjectTags {
		c.ProjectTags[i].ProjectIDs = remap(projects, c.ProjectTags[i].ProjectIDs)
	}
	var keys []string
	for _, a := range s.Actuals {
		keys = append(keys, fmt.Sprintf("%s p%d j%d r%d = %g/%g", a.Date, people[a.PersonID], projects[a.ProjectID], roles[a.RoleID],
			a.BillableMinutes, a.NonbillableMinutes))
	}
	sort.Strings(keys)
	c.Actuals = nil
	return normalState{State: &c, Actuals: keys}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func diffStates(want, got *runntest.State) string {
	return cmp.Diff(normalise(want), normalise(got))
}

func applyRun(t testing.TB, w *warehouse.Warehouse, api API, runID int64) (Result, error) {
	t.Helper()
	return Apply(context.Background(), w, api, Options{RunID: runID, Workers: 1})
}

func isRejected(err error) bool { return errors.Is(err, ErrRejected) }

func runntestOpts() runntest.Options { return runntest.Options{} }

// insertValues runs stmt (whose %s takes the VALUES list) over rows, in chunks.
func insertValues(ctx context.Context, tx *sqlx.Tx, stmt, tuple string, rows [][]any) error {
	const chunk = 200
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		tuples := make([]string, len(part))
		var args []any
		for i, row := range part {
			tuples[i] = tuple
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(stmt, strings.Join(tuples, ", ")), args...); err != nil {
			return err
		}
	}
	return nil
}
