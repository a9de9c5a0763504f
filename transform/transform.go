// Package transform runs the models in sql/ over one run's extracts: staging, the sync rules,
// the changes the load will send and the reports of what it will not, then the audits. A run
// whose audits return any row stops here, before anything is sent.
package transform

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Entity kinds a run may be limited to (--only): Runn's integration's three toggles.
var Kinds = []string{"clients", "projects", "people", "actuals"}

// Options say what to transform and how.
type Options struct {
	RunID      int64     // the run whose extracts are transformed; its plan is kept under this id
	Today      time.Time // the run's today (R10, R13)
	WindowFrom time.Time // first date of the re-read window; zero: the whole history
	Autofill   bool      // R13
	Only       []string  // kinds to sync; empty: all
	Logger     *slog.Logger
}

// Result describes a transform.
type Result struct {
	RunID            int64            `json:"run_id"`
	HarvestExtractID int64            `json:"harvest_extract_id"`
	RunnExtractID    int64            `json:"runn_extract_id"`
	Models           []ModelRun       `json:"models"`
	Changes          map[string]int64 `json:"changes"` // rows per changes.* table
	AuditFailures    []AuditFailure   `json:"audit_failures,omitempty"`
	Duration         time.Duration    `json:"-"`
}

// MarshalJSON writes the duration in milliseconds (duration_ms), as every JSON output does.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(r), r.Duration.Milliseconds()})
}

// ModelRun is one model materialised.
type ModelRun struct {
	Table    string        `json:"table"`
	Rows     int64         `json:"rows_count"`
	Duration time.Duration `json:"-"`
}

// MarshalJSON writes the duration in milliseconds (duration_ms).
func (m ModelRun) MarshalJSON() ([]byte, error) {
	type plain ModelRun
	return json.Marshal(struct {
		plain
		DurationMS int64 `json:"duration_ms"`
	}{plain(m), m.Duration.Milliseconds()})
}

// AuditFailure is an audit that returned rows: its name, how many, and the first few.
type AuditFailure struct {
	Audit string `json:"audit"`
	Rows  int64  `json:"rows_count"`
	First []Row  `json:"first_rows"`
}

// ErrAuditFailed: an audit returned rows, so the plan must not be loaded.
var ErrAuditFailed = errors.New("audit failed")

// Run transforms the extracts of opts.RunID.
func Run(ctx context.Context, w *warehouse.Warehouse, opts Options) (Result, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := Result{RunID: opts.RunID, Changes: map[string]int64{}}
	if err := validKinds(opts.Only); err != nil {
		return res, err
	}
	ordered, audits, views, err := embedded()
	if err != nil {
		return res, fmt.Errorf("the transform's models: %w", err)
	}
	if res.HarvestExtractID, err = w.UsableExtract(ctx, opts.RunID, "harvest"); err != nil {
		return res, err
	}
	if res.RunnExtractID, err = w.UsableExtract(ctx, opts.RunID, "runn"); err != nil {
		return res, err
	}
	started := time.Now()
	err = run(ctx, w.DB, opts, &res, ordered, audits, views, log)
	res.Duration = time.Since(started)
	if rerr := record(ctx, w.DB, res, err); rerr != nil && err == nil {
		err = rerr
	}
	return res, err
}

func validKinds(only []string) error {
	for _, k := range only {
		if !contains(Kinds, k) {
			return fmt.Errorf("unknown kind %q: use any of %s", k, strings.Join(Kinds, ","))
		}
	}
	return nil
}

func run(ctx context.Context, db *sqlx.DB, opts Options, res *Result, ordered, audits, views []model, log *slog.Logger) error {
	only := opts.Only
	if len(only) == 0 {
		only = Kinds
	}
	var from any
	if !opts.WindowFrom.IsZero() {
		from = opts.WindowFrom.Format(time.DateOnly)
	}
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE staging.run_context AS SELECT
			?::BIGINT AS run_id, ?::BIGINT AS harvest_extract_id, ?::BIGINT AS runn_extract_id,
			?::DATE AS today, ?::DATE AS window_from, ?::DATE AS window_to, ?::BOOLEAN AS autofill,
			string_split(?, ',') AS only_kinds,
			(SELECT count(*) > 0 FROM raw.pages WHERE source = 'harvest' AND extract_id = ? AND resource = 'roles') AS harvest_roles_read`,
		opts.RunID, res.HarvestExtractID, res.RunnExtractID, opts.Today.Format(time.DateOnly), from,
		opts.Today.Format(time.DateOnly), opts.Autofill, strings.Join(only, ","), res.HarvestExtractID); err != nil {
		return fmt.Errorf("set the run's context: %w", err)
	}
	if err := unorderedWrites(ctx, db, func(conn session) error {
		return buildModels(ctx, conn, ordered, res, log)
	}); err != nil {
		return err
	}
	var err error
	if res.AuditFailures, err = runAudits(ctx, db, audits); err != nil {
		return err
	}
	if err := unorderedWrites(ctx, db, func(conn session) error {
		return persist(ctx, conn, opts.RunID, ordered)
	}); err != nil {
		return err
	}
	for _, v := range views {
		if _, err := db.ExecContext(ctx, "CREATE OR REPLACE VIEW analytics."+v.name+" AS\n"+v.sql); err != nil {
			return fmt.Errorf("view analytics.%s (%s): %w", v.name, v.file, err)
		}
	}
	if len(res.AuditFailures) > 0 {
		names := make([]string, len(res.AuditFailures))
		for i, f := range res.AuditFailures {
			names[i] = fmt.Sprintf("%s (%d rows, first: %s)", f.Audit, f.Rows, firstRow(f))
		}
		return fmt.Errorf("%w: %s; nothing will be sent to Runn", ErrAuditFailed, strings.Join(names, "; "))
	}
	return nil
}

// buildModels materialises every model in order, counting the rows of each.
func buildModels(ctx context.Context, conn session, ordered []model, res *Result, log *slog.Logger) error {
	for i, m := range ordered {
		reportProgress(ctx, ModelProgress{Model: m.table(), Done: i, Total: len(ordered)})
		t0 := time.Now()
		if err := buildModel(ctx, conn, m); err != nil {
			return err
		}
		var n int64
		if err := sqlx.GetContext(ctx, conn, &n, "SELECT count(*) FROM "+m.table()); err != nil {
			return fmt.Errorf("count %s: %w", m.table(), err)
		}
		res.Models = append(res.Models, ModelRun{Table: m.table(), Rows: n, Duration: time.Since(t0)})
		if m.schema == "changes" {
			res.Changes[m.name] = n
		}
		log.Debug("model", "table", m.table(), "rows", n, "duration", time.Since(t0))
	}
	reportProgress(ctx, ModelProgress{Done: len(ordered), Total: len(ordered)})
	return nil
}

func buildModel(ctx context.Context, conn sqlx.ExecerContext, m model) error {
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TABLE "+m.table()+" AS\n"+m.sql); err != nil {
		return fmt.Errorf("model %s (%s): %w", m.table(), m.file, err)
	}
	return nil
}

// session is one connection of the warehouse (*sqlx.Conn), as unorderedWrites hands it out.
type session interface {
	sqlx.ExecerContext
	sqlx.QueryerContext
}

// unorderedWrites runs fn on one connection of db on which DuckDB need not keep the rows a
// statement writes in the order its query made them (preserve_insertion_order = false, for
// that connection's session only, reset before the connection goes back to the pool). Kept in
// order, a CREATE TABLE AS of millions of rows holds them all in memory to write them in
// sequence: the whole history of 10 M entries then peaks far above 1 GiB and spills, where
// unordered it streams (docs/benchmarks.md). Nothing depends on the order: the models' rows
// are a set, and every reader of the tables they make (the load, the reports, the views)
// orders what it reads.
func unorderedWrites(ctx context.Context, db *sqlx.DB, fn func(conn session) error) (err error) {
	conn, err := db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("connect to the warehouse: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION preserve_insertion_order = false"); err != nil {
		return fmt.Errorf("set the transform's session: %w", err)
	}
	defer func() {
		// Reset even when the run was interrupted; a connection that cannot be reset is
		// discarded rather than handed to the next query with the setting on.
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "RESET SESSION preserve_insertion_order"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("reset the transform's session: %w", rerr))
		}
	}()
	return fn(conn)
}

func firstRow(f AuditFailure) string {
	if len(f.First) == 0 {
		return "-"
	}
	b, _ := json.Marshal(f.First[0])
	return string(b)
}

const auditSample = 5

// runAudits runs every audit over the models of the latest transform.
func runAudits(ctx context.Context, db *sqlx.DB, audits []model) ([]AuditFailure, error) {
	var failures []AuditFailure
	for _, a := range audits {
		f, err := runAudit(ctx, db, a)
		if err != nil {
			return nil, err
		}
		if f != nil {
			failures = append(failures, *f)
		}
	}
	return failures, nil
}

func runAudit(ctx context.Context, db *sqlx.DB, a model) (*AuditFailure, error) {
	var n int64
	if err := db.GetContext(ctx, &n, "SELECT count(*) FROM (\n"+a.sql+"\n)"); err != nil {
		return nil, fmt.Errorf("audit %s (%s): %w", a.name, a.file, err)
	}
	if n == 0 {
		return nil, nil
	}
	first, err := selectRows(ctx, db, fmt.Sprintf("SELECT * FROM (\n%s\n) LIMIT %d", a.sql, auditSample))
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", a.name, err)
	}
	return &AuditFailure{Audit: a.name, Rows: n, First: first}, nil
}

// persist keeps this run's changes and reports in plan.*, replacing an earlier transform's.
func persist(ctx context.Context, db sqlx.ExecerContext, runID int64, ordered []model) error {
	for _, m := range ordered {
		if m.schema != "changes" && m.schema != "report" {
			continue
		}
		plan := "plan." + m.name
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+plan+" AS SELECT 0::BIGINT AS run_id, * FROM "+m.table()+" LIMIT 0"); err != nil {
			return fmt.Errorf("keep %s: %w", m.table(), err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM "+plan+" WHERE run_id = ?", runID); err != nil {
			return fmt.Errorf("keep %s: %w", m.table(), err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO "+plan+" BY NAME SELECT ?::BIGINT AS run_id, * FROM "+m.table(), runID); err != nil {
			return fmt.Errorf("keep %s in %s (did its columns change? drop %s to start it afresh): %w", m.table(), plan, plan, err)
		}
	}
	return nil
}

func record(ctx context.Context, db *sqlx.DB, res Result, runErr error) error {
	status, msg := "planned", any(nil)
	switch {
	case errors.Is(runErr, ErrAuditFailed):
		status = "audit_failed"
	case runErr != nil:
		status, msg = "failed", runErr.Error()
	}
	var failures any
	if len(res.AuditFailures) > 0 {
		b, err := json.Marshal(res.AuditFailures)
		if err != nil {
			return err
		}
		failures = string(b)
	}
	_, err := db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO meta.transforms (run_id, status, duration_ms, audit_failures, error)
		VALUES (?, ?, ?, ?, ?)`, res.RunID, status, res.Duration.Milliseconds(), failures, msg)
	if err != nil {
		return fmt.Errorf("record the transform of run %d: %w", res.RunID, err)
	}
	return nil
}
