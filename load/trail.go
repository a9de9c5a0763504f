package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Modes of a load.
const (
	ModeApply  = "apply"
	ModeRevert = "revert"
)

// Outcome statuses (audit.outcomes.status); "pending" is an attempt without one.
const (
	statusPending   = "pending"
	statusConfirmed = "confirmed"
	statusRejected  = "rejected"
	statusUnknown   = "unknown"
	statusNotFound  = "not_found"
	statusSplit     = "split"
	statusSkipped   = "skipped"
)

// How an outcome was learnt (audit.outcomes.how).
const (
	howAnswer = "answer"
	howRead   = "read"
)

// adoptedNote starts the note of an adopted create's outcome: `audit` shows it, and it tells an
// adoption from a create that was sent (both are confirmed by a read, but only the sent one has
// a request).
const adoptedNote = "adopted"

// recorder writes one load's audit trail. It is safe for concurrent use: ids are handed out
// under mu, and the records of writes in flight at once are committed together (group commit:
// one transaction, which also keeps DuckDB's optimistic transactions from conflicting). Each
// caller still returns only once its own records are committed, so an intent is in the trail
// before its request is sent, as with one transaction each; a load with several writes in
// flight then costs one commit per batch, not two per write.
type recorder struct {
	db     *sqlx.DB
	runID  int64
	mode   string
	loadID int64

	mu                              sync.Mutex
	nextWrite, nextReq, nextOutcome int64
	busy                            time.Duration // spent writing the trail

	// qmu guards the queue of records waiting for a batch, and committing: whether some caller
	// leads (commits a batch, or has been handed the next one). One leader at a time, so the
	// trail's transactions never overlap.
	qmu        sync.Mutex
	queue      []*pendingTx
	committing bool
}

// pendingTx is one caller's records, waiting for the batch that commits them.
type pendingTx struct {
	ctx context.Context
	fn  func(*sqlx.Tx) error
	// rows, when set, are what fn inserts: a batch inserts the rows of all its callers with one
	// statement per table (a statement per caller took most of the batch's time when several
	// writes start at once).
	rows []batchRows
	done chan error
	// lead is signalled when the caller is handed the next batch to commit.
	lead chan struct{}
}

// batchRows are rows for one INSERT statement of insertJSON.
type batchRows struct {
	stmt string
	rows []any
}

// insertRows inserts each statement's rows.
func insertRows(ctx context.Context, tx *sqlx.Tx, rows []batchRows) error {
	for _, br := range rows {
		if len(br.rows) == 0 {
			continue
		}
		if err := execJSON(ctx, tx, br.stmt, br.rows); err != nil {
			return err
		}
	}
	return nil
}

// mergeRows gathers the rows of the callers that are only rows, one batchRows per statement, in
// the order the statements first come.
func mergeRows(batch []*pendingTx) []batchRows {
	var merged []batchRows
	at := map[string]int{}
	for _, p := range batch {
		for _, br := range p.rows {
			i, ok := at[br.stmt]
			if !ok {
				i = len(merged)
				at[br.stmt] = i
				merged = append(merged, batchRows{stmt: br.stmt})
			}
			merged[i].rows = append(merged[i].rows, br.rows...)
		}
	}
	return merged
}

// intent is one change about to be sent (or skipped).
type intent struct {
	kind, key, label, rule, reason string
	actual                         *runn.ActualInput // actuals only: the resolved key and minutes
}

// outcome is what became of one attempt.
type outcome struct {
	writeID     int64
	status, how string
	runnID      int64 // 0: none
	err         string
}

// startLoad registers a load of runID and returns its recorder. Loads left 'running' by a process
// that died are closed first: the caller holds the run lock, so none of them is running.
func startLoad(ctx context.Context, db *sqlx.DB, runID int64, mode string) (*recorder, error) {
	r := &recorder{db: db, runID: runID, mode: mode}
	if err := r.tx(ctx, func(tx *sqlx.Tx) error { return r.begin(ctx, tx) }); err != nil {
		return nil, fmt.Errorf("register the %s of run %d in the audit trail: %w", mode, runID, err)
	}
	return r, nil
}

// begin registers the load in tx, after closing the loads a dead process left running.
func (r *recorder) begin(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE audit.loads SET status = 'failed', finished_at = now(),
		error = coalesce(error, 'the process stopped before the load finished (crash or kill); a later load resumed it')
		WHERE status = 'running'`); err != nil {
		return err
	}
	var ids struct {
		Load    int64 `db:"load"`
		Write   int64 `db:"write"`
		Req     int64 `db:"req"`
		Outcome int64 `db:"outcome"`
	}
	if err := tx.GetContext(ctx, &ids, `SELECT
		(SELECT coalesce(max(load_id), 0) FROM audit.loads) AS load,
		(SELECT coalesce(max(write_id), 0) FROM audit.writes) AS write,
		(SELECT coalesce(max(request_id), 0) FROM audit.requests) AS req,
		(SELECT coalesce(max(outcome_id), 0) FROM audit.outcomes) AS outcome`); err != nil {
		return err
	}
	r.loadID, r.nextWrite, r.nextReq, r.nextOutcome = ids.Load+1, ids.Write+1, ids.Req+1, ids.Outcome+1
	_, err := tx.ExecContext(ctx, `INSERT INTO audit.loads (load_id, run_id, mode, status) VALUES (?, ?, ?, 'running')`,
		r.loadID, r.runID, r.mode)
	return err
}

// tx runs fn in a transaction and counts the time it takes as the trail's.
func (r *recorder) tx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	defer func(start time.Time) {
		r.mu.Lock()
		r.busy += time.Since(start)
		r.mu.Unlock()
	}(time.Now())
	tx, err := warehouse.BeginTx(ctx, r.db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// commit runs fn in a transaction shared with the callers that commit at the same time, and
// returns when it is committed. A caller that finds no batch being committed leads: it commits
// what is queued, its own records included, then hands the lead to the first caller queued
// meanwhile and returns. It never commits a second batch: its own request waits to be sent, and
// the queue may refill for as long as others write. A caller whose ctx is done before its batch
// begins is left out with ctx's error. The batch's transaction does not end with any one
// caller's ctx: records of answers must land even while the run is being stopped.
//
// The trail's own records all go through commitRows, whose rows a batch merges by table; commit
// is the general form, which the tests use to hold a batch open.
func (r *recorder) commit(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return r.enqueue(&pendingTx{ctx: ctx, fn: fn})
}

// commitRows is commit for records that are only rows to insert, which a batch merges by table.
func (r *recorder) commitRows(ctx context.Context, rows ...batchRows) error {
	wctx := context.WithoutCancel(ctx)
	return r.enqueue(&pendingTx{ctx: ctx, rows: rows, fn: func(tx *sqlx.Tx) error { return insertRows(wctx, tx, rows) }})
}

func (r *recorder) enqueue(p *pendingTx) error {
	p.done, p.lead = make(chan error, 1), make(chan struct{}, 1)
	r.qmu.Lock()
	r.queue = append(r.queue, p)
	if r.committing {
		r.qmu.Unlock()
		select {
		case err := <-p.done:
			return err
		case <-p.lead:
		}
		r.qmu.Lock()
	}
	r.committing = true
	batch := r.queue
	r.queue = nil
	r.qmu.Unlock()
	r.commitBatch(context.WithoutCancel(p.ctx), batch)
	r.qmu.Lock()
	if len(r.queue) > 0 {
		// Still queued, so not committed: it waits on done or lead, and takes the lead.
		r.queue[0].lead <- struct{}{}
	} else {
		r.committing = false
	}
	r.qmu.Unlock()
	return <-p.done
}

// commitBatch commits the batch's records in one transaction and tells each caller the result.
// When the batch fails, each caller's records are committed again on their own, so that one bad
// record fails only its own caller: the others' may be answers to writes Runn has applied, which
// must not stay pending for a fault that is not theirs.
func (r *recorder) commitBatch(ctx context.Context, batch []*pendingTx) {
	var live []*pendingTx
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
	}
	if len(live) == 0 {
		return
	}
	err := r.tx(ctx, func(tx *sqlx.Tx) error {
		for _, p := range live {
			if p.rows == nil {
				if err := p.fn(tx); err != nil {
					return err
				}
			}
		}
		return insertRows(ctx, tx, mergeRows(live))
	})
	if err == nil || len(live) == 1 {
		for _, p := range live {
			p.done <- err
		}
		return
	}
	for _, p := range live {
		p.done <- r.tx(ctx, p.fn)
	}
}

// send records, before a request is sent, the request (body as sent) and one attempt per change
// it carries, and returns their ids.
func (r *recorder) send(ctx context.Context, kind, method, path string, body []byte, items []intent) (int64, []int64, error) {
	r.mu.Lock()
	reqID := r.nextReq
	writeIDs := make([]int64, len(items))
	for i := range items {
		writeIDs[i] = r.nextWrite + int64(i)
	}
	r.nextReq++
	r.nextWrite += int64(len(items))
	r.mu.Unlock()
	// The records are written under the batch's context: a caller stopped meanwhile must not
	// fail the batch of the others (commit has already left it out if it stopped before).
	req := requestRow{RequestID: reqID, LoadID: r.loadID, RunID: r.runID, Mode: r.mode, Kind: kind, Method: method, Path: path,
		Items: len(items), Body: string(body)}
	writes := r.writeRows(writeIDs, items, reqID)
	err := r.commitRows(ctx, batchRows{stmt: insertRequest, rows: []any{req}}, batchRows{stmt: insertWrite, rows: writes})
	if err != nil {
		return 0, nil, fmt.Errorf("record the intent of %s %s in the audit trail (nothing was sent): %w", method, path, err)
	}
	return reqID, writeIDs, nil
}

// skip records changes that are not sent, each with why.
func (r *recorder) skip(ctx context.Context, items []intent, why []string) error {
	err := r.unsent(ctx, items, func(i int, writeID int64) outcome {
		return outcome{writeID: writeID, status: statusSkipped, err: why[i]}
	})
	if err != nil {
		return fmt.Errorf("record skipped changes in the audit trail: %w", err)
	}
	return nil
}

// adopt records a create that is not sent because Runn already has the record (R17, R1): an
// attempt without a request, confirmed by the read that found runnID, note saying so. (The
// trail's CHECK allows how 'answer' or 'read' only: an adoption is a confirmation by a read
// whose write has no request, which a reconciled create always has.)
func (r *recorder) adopt(ctx context.Context, it intent, runnID int64, note string) error {
	err := r.unsent(ctx, []intent{it}, func(_ int, writeID int64) outcome {
		return outcome{writeID: writeID, status: statusConfirmed, how: howRead, runnID: runnID, err: note}
	})
	if err != nil {
		return fmt.Errorf("record that Runn already has %s %s (Runn id %d) in the audit trail (nothing was sent): %w", it.kind, it.key, runnID, err)
	}
	return nil
}

// unsent records changes that need no request, each with its outcome, in one transaction.
func (r *recorder) unsent(ctx context.Context, items []intent, out func(i int, writeID int64) outcome) error {
	r.mu.Lock()
	writeIDs := make([]int64, len(items))
	outs := make([]outcome, len(items))
	for i := range items {
		writeIDs[i] = r.nextWrite + int64(i)
		outs[i] = out(i, writeIDs[i])
	}
	firstOutcome := r.nextOutcome
	r.nextWrite += int64(len(items))
	r.nextOutcome += int64(len(items))
	r.mu.Unlock()
	return r.commitRows(ctx, batchRows{stmt: insertWrite, rows: r.writeRows(writeIDs, items, 0)},
		batchRows{stmt: insertOutcome, rows: outcomeRows(firstOutcome, outs)})
}

// answer records Runn's answer to a request (status 0: none came), what it means for each change
// it carried, and, for confirmed actuals, the R11 bookkeeping of audit.actual_keys, all in one
// transaction.
func (r *recorder) answer(ctx context.Context, reqID int64, took time.Duration, status int, result, msg string, outs []outcome, confirmed []runn.ActualInput) error {
	// An answer that arrived is recorded even when the run is being stopped (SIGINT, SIGTERM):
	// otherwise a write Runn applied would stay "pending" and not count as harvest2runn's (R11).
	ctx = context.WithoutCancel(ctx)
	r.mu.Lock()
	firstOutcome := r.nextOutcome
	r.nextOutcome += int64(len(outs))
	r.mu.Unlock()
	resp := responseRow{RequestID: reqID, DurationMS: took.Milliseconds(), Outcome: result, Error: nullString(msg)}
	if status != 0 {
		resp.Status = &status
	}
	// Rows, not statements: the answers to a window's writes arrive together, and a batch of
	// them costs one statement per table instead of three per answer (on the bench's first run
	// at 120 per 12 s and 300 ms, 51 answers took 120 ms to record, which the next kind waited for).
	err := r.commitRows(ctx, batchRows{stmt: insertResponse, rows: []any{resp}},
		batchRows{stmt: insertOutcome, rows: outcomeRows(firstOutcome, outs)}, r.keyRows(confirmed))
	if err != nil {
		return fmt.Errorf("record Runn's answer to request %d in the audit trail: %w", reqID, err)
	}
	return nil
}

// note records outcomes learnt without a request of their own: reconciliation reads, and bulk
// items rejected once Runn's refusals proved not to be about them.
func (r *recorder) note(ctx context.Context, outs ...outcome) error {
	ctx = context.WithoutCancel(ctx)
	r.mu.Lock()
	firstOutcome := r.nextOutcome
	r.nextOutcome += int64(len(outs))
	r.mu.Unlock()
	if err := r.commitRows(ctx, batchRows{stmt: insertOutcome, rows: outcomeRows(firstOutcome, outs)}); err != nil {
		return fmt.Errorf("record what became of %d earlier attempts in the audit trail: %w", len(outs), err)
	}
	return nil
}

// keyRows keep audit.actual_keys (R11): a confirmed write of an apply makes the key
// harvest2runn's with the minutes written; a confirmed write of a revert puts the key's
// ownership back to what it was before the run, by removing what the run recorded for it.
func (r *recorder) keyRows(confirmed []runn.ActualInput) batchRows {
	rows := make([]any, len(confirmed))
	for i, a := range confirmed {
		rows[i] = keyRow{RunID: r.runID, Date: a.Date, PersonID: a.PersonID, ProjectID: a.ProjectID, RoleID: a.RoleID,
			Billable: a.BillableMinutes, Nonbillable: a.NonbillableMinutes, How: "written"}
	}
	if r.mode == ModeRevert {
		return batchRows{stmt: deleteKeys, rows: rows}
	}
	return batchRows{stmt: insertKeys, rows: rows}
}

// writeRows are the audit.writes rows of items, numbered ids, carried by request reqID (0: none).
func (r *recorder) writeRows(ids []int64, items []intent, reqID int64) []any {
	rows := make([]any, len(items))
	for i, it := range items {
		w := writeRow{WriteID: ids[i], LoadID: r.loadID, RunID: r.runID, Mode: r.mode, Kind: it.kind, TargetKey: it.key,
			Label: nullString(it.label), Rule: nullString(it.rule), Reason: nullString(it.reason)}
		if reqID != 0 {
			w.RequestID = &reqID
		}
		if a := it.actual; a != nil {
			w.Date, w.PersonID, w.ProjectID, w.RoleID = &a.Date, &a.PersonID, &a.ProjectID, &a.RoleID
			w.Billable, w.Nonbillable = &a.BillableMinutes, &a.NonbillableMinutes
		}
		rows[i] = w
	}
	return rows
}

// outcomeRows are the audit.outcomes rows of outs, numbered from first.
func outcomeRows(first int64, outs []outcome) []any {
	rows := make([]any, len(outs))
	for i, o := range outs {
		row := outcomeRow{OutcomeID: first + int64(i), WriteID: o.writeID, Status: o.status, How: nullString(o.how), Error: nullString(o.err)}
		if o.runnID != 0 {
			row.RunnID = &o.runnID
		}
		rows[i] = row
	}
	return rows
}

// finish closes the load's row with its figures. withEnd, when set, writes records that belong
// with the end in the same transaction; when it fails, the end is recorded with its error, which
// finish returns.
func (r *recorder) finish(ctx context.Context, res *Result, runErr error, withEnd func(*sqlx.Tx) error) error {
	if withEnd != nil {
		err := r.tx(context.WithoutCancel(ctx), func(tx *sqlx.Tx) error {
			if err := withEnd(tx); err != nil {
				return err
			}
			return r.recordEnd(ctx, tx, res, runErr)
		})
		if err == nil {
			return nil
		}
		runErr = errors.Join(runErr, err)
		if eerr := r.recordEnd(ctx, r.db, res, runErr); eerr != nil {
			return errors.Join(err, eerr)
		}
		return err
	}
	return r.recordEnd(ctx, r.db, res, runErr)
}

// recordEnd writes the load's figures and status into its row.
func (r *recorder) recordEnd(ctx context.Context, db sqlx.ExecerContext, res *Result, runErr error) error {
	status := warehouseStatus(res, runErr)
	var msg any
	if runErr != nil {
		msg = runErr.Error()
	}
	t := res.Totals()
	// audit.loads has no column for adoptions: like reconciled creates, they are records found
	// in Runn by reading it, so they are counted there and the columns still add up to planned.
	reconciled := t.Reconciled + t.Adopted
	// Recorded even when ctx was cancelled: the cancellation is what it records.
	ctx = context.WithoutCancel(ctx)
	_, err := db.ExecContext(ctx, `UPDATE audit.loads SET finished_at = now(), status = ?, planned = ?, already_done = ?,
		applied = ?, reconciled = ?, rejected = ?, skipped = ?, requests = ?, retries = ?, rate_limited = ?, server_errors = ?,
		network_errors = ?, duration_ms = ?, error = ? WHERE load_id = ?`,
		status, t.Planned, t.AlreadyDone, t.Applied, reconciled, t.Rejected, t.Skipped, res.Requests, res.Retries,
		res.RateLimited, res.ServerErrors, res.NetworkErrors, res.Duration.Milliseconds(), msg, r.loadID)
	if err != nil {
		return fmt.Errorf("record the end of load %d in the audit trail: %w", r.loadID, err)
	}
	return nil
}

// Rows travel to DuckDB as one JSON parameter that it parses itself (from_json): for a batch
// of a hundred rows that is several times cheaper than binding a parameter per value (a bulk
// call's trail is written twice per call). Field names are the columns' names.

type writeRow struct {
	WriteID     int64   `json:"write_id"`
	LoadID      int64   `json:"load_id"`
	RunID       int64   `json:"run_id"`
	Mode        string  `json:"mode"`
	Kind        string  `json:"kind"`
	TargetKey   string  `json:"target_key"`
	Label       *string `json:"label"`
	Rule        *string `json:"rule"`
	Reason      *string `json:"reason"`
	RequestID   *int64  `json:"request_id"`
	Date        *string `json:"date"`
	PersonID    *int64  `json:"runn_person_id"`
	ProjectID   *int64  `json:"runn_project_id"`
	RoleID      *int64  `json:"runn_role_id"`
	Billable    *int64  `json:"billable_minutes"`
	Nonbillable *int64  `json:"nonbillable_minutes"`
}

var writeCols = []column{{"write_id", "BIGINT"}, {"load_id", "BIGINT"}, {"run_id", "BIGINT"}, {"mode", "VARCHAR"},
	{"kind", "VARCHAR"}, {"target_key", "VARCHAR"}, {"label", "VARCHAR"}, {"rule", "VARCHAR"}, {"reason", "VARCHAR"},
	{"request_id", "BIGINT"}, {"date", "DATE"}, {"runn_person_id", "BIGINT"}, {"runn_project_id", "BIGINT"},
	{"runn_role_id", "BIGINT"}, {"billable_minutes", "BIGINT"}, {"nonbillable_minutes", "BIGINT"}}

var (
	insertWrite    = insertJSON("audit.writes", writeCols)
	insertRequest  = insertJSON("audit.requests", requestCols)
	insertResponse = insertJSON("audit.responses", responseCols)
	insertOutcome  = insertJSON("audit.outcomes", outcomeCols)
	insertKeys     = insertJSON("audit.actual_keys", keyCols)
	deleteKeys     = `DELETE FROM audit.actual_keys AS k USING ` + fromJSON(keyCols) + `
		WHERE k.run_id = r.run_id AND k.how = r.how AND k.date = r.date AND k.runn_person_id = r.runn_person_id
		AND k.runn_project_id = r.runn_project_id AND k.runn_role_id = r.runn_role_id`
)

type requestRow struct {
	RequestID int64  `json:"request_id"`
	LoadID    int64  `json:"load_id"`
	RunID     int64  `json:"run_id"`
	Mode      string `json:"mode"`
	Kind      string `json:"kind"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Items     int    `json:"items"`
	Body      string `json:"body"`
}

var requestCols = []column{{"request_id", "BIGINT"}, {"load_id", "BIGINT"}, {"run_id", "BIGINT"}, {"mode", "VARCHAR"},
	{"kind", "VARCHAR"}, {"method", "VARCHAR"}, {"path", "VARCHAR"}, {"items", "INTEGER"}, {"body", "VARCHAR"}}

type responseRow struct {
	RequestID  int64   `json:"request_id"`
	DurationMS int64   `json:"duration_ms"`
	Status     *int    `json:"status"`
	Outcome    string  `json:"outcome"`
	Error      *string `json:"error"`
}

var responseCols = []column{{"request_id", "BIGINT"}, {"duration_ms", "BIGINT"}, {"status", "INTEGER"}, {"outcome", "VARCHAR"},
	{"error", "VARCHAR"}}

type outcomeRow struct {
	OutcomeID int64   `json:"outcome_id"`
	WriteID   int64   `json:"write_id"`
	Status    string  `json:"status"`
	How       *string `json:"how"`
	RunnID    *int64  `json:"runn_id"`
	Error     *string `json:"error"`
}

var outcomeCols = []column{{"outcome_id", "BIGINT"}, {"write_id", "BIGINT"}, {"status", "VARCHAR"}, {"how", "VARCHAR"},
	{"runn_id", "BIGINT"}, {"error", "VARCHAR"}}

type keyRow struct {
	RunID       int64  `json:"run_id"`
	Date        string `json:"date"`
	PersonID    int64  `json:"runn_person_id"`
	ProjectID   int64  `json:"runn_project_id"`
	RoleID      int64  `json:"runn_role_id"`
	Billable    int64  `json:"billable_minutes"`
	Nonbillable int64  `json:"nonbillable_minutes"`
	How         string `json:"how"`
}

var keyCols = []column{{"run_id", "BIGINT"}, {"date", "DATE"}, {"runn_person_id", "BIGINT"}, {"runn_project_id", "BIGINT"},
	{"runn_role_id", "BIGINT"}, {"billable_minutes", "BIGINT"}, {"nonbillable_minutes", "BIGINT"}, {"how", "VARCHAR"}}

// column is a column of an audit table and its field in the JSON rows (same name).
type column struct{ name, typ string }

// fromJSON is a subquery (alias r) of the rows of a JSON array parameter, one column per field.
func fromJSON(cols []column) string {
	fields := make([]string, len(cols))
	for i, c := range cols {
		fields[i] = fmt.Sprintf("%q:%q", c.name, c.typ)
	}
	return `(SELECT unnest(from_json(?::JSON, '[{` + strings.Join(fields, ",") + `}]'), recursive := true)) AS r`
}

// insertJSON is an INSERT into table of the rows of a JSON array parameter, field by field.
func insertJSON(table string, cols []column) string {
	names := make([]string, len(cols))
	refs := make([]string, len(cols))
	for i, c := range cols {
		names[i], refs[i] = c.name, "r."+c.name
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(refs, ", ") + " FROM " + fromJSON(cols)
}

// execJSON runs stmt with rows, encoded as JSON, as its one parameter.
func execJSON(ctx context.Context, tx *sqlx.Tx, stmt string, rows any) error {
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, stmt, string(b))
	return err
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
