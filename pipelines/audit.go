package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// AuditOptions choose the run whose audit trail to list.
type AuditOptions struct {
	WarehousePath string
	RunID         int64 // 0: the latest run with a trail
}

// AuditResult is a run's audit trail, compact (issue 11): one item per write with its key, its
// target as numbers and, for an actual, the minutes before and after; each request once, with
// its body, however many writes it carried (a bulk call carries up to 100).
type AuditResult struct {
	RunID         int64          `json:"run_id"`
	Writes        []AuditWrite   `json:"writes"`
	WritesCount   int            `json:"writes_count"`
	Requests      []AuditRequest `json:"requests"`
	RequestsCount int            `json:"requests_count"`
}

// AuditWrite is one attempt at one change, with its latest outcome.
type AuditWrite struct {
	WriteID int64  `json:"write_id" db:"write_id"`
	LoadID  int64  `json:"load_id" db:"load_id"`
	Mode    string `json:"mode" db:"mode"`
	Kind    string `json:"kind" db:"kind"`
	Key     string `json:"key" db:"target_key"`
	Target
	Label  *string `json:"label" db:"label"`
	Rule   *string `json:"rule" db:"rule"`
	Reason *string `json:"reason" db:"reason"`
	Status string  `json:"status" db:"status"`
	How    *string `json:"how" db:"how"`
	RunnID *int64  `json:"runn_id" db:"runn_id"`
	Error  *string `json:"error" db:"error"`
	// MinutesBefore is what Runn held on an actual's key before the write (nil: nothing, or not
	// an actual); MinutesAfter what the write sent (billable + non-billable).
	MinutesBefore *int64    `json:"minutes_before" db:"minutes_before"`
	MinutesAfter  *int64    `json:"minutes_after" db:"minutes_after"`
	Billable      *int64    `json:"billable_minutes" db:"billable_minutes"`
	Nonbillable   *int64    `json:"nonbillable_minutes" db:"nonbillable_minutes"`
	PlannedAt     time.Time `json:"planned_at" db:"planned_at"`
	RequestID     *int64    `json:"request_id" db:"request_id"`
	// Adopted: a create not sent because Runn already had the record (R17, R1).
	Adopted bool `json:"adopted" db:"-"`
	// The names beside an actual's Runn ids, from Runn's latest snapshot or the run's creates.
	PersonName  string `json:"person_name,omitempty" db:"-"`
	ProjectName string `json:"project_name,omitempty" db:"-"`
	RoleName    string `json:"role_name,omitempty" db:"-"`
}

// AuditRequest is one request a load sent, with Runn's answer and the body as sent.
type AuditRequest struct {
	RequestID   int64           `json:"request_id" db:"request_id"`
	LoadID      int64           `json:"load_id" db:"load_id"`
	Mode        string          `json:"mode" db:"mode"`
	Kind        string          `json:"kind" db:"kind"`
	Method      string          `json:"method" db:"method"`
	Path        string          `json:"path" db:"path"`
	ItemsCount  int64           `json:"items_count" db:"items"`
	SentAt      time.Time       `json:"sent_at" db:"sent_at"`
	HTTPStatus  *int64          `json:"http_status" db:"http_status"`
	DurationMS  *int64          `json:"duration_ms" db:"duration_ms"`
	AnsweredAt  *time.Time      `json:"answered_at" db:"answered_at"`
	Outcome     *string         `json:"outcome" db:"outcome"`
	Body        json.RawMessage `json:"body" db:"-"`
	BodyText    string          `json:"-" db:"body"`
	WritesCount int64           `json:"writes_count" db:"writes"`
}

// Audit lists every write a run's loads attempted, with Runn's answers.
func Audit(ctx context.Context, opts AuditOptions) (AuditResult, error) {
	res := AuditResult{Writes: []AuditWrite{}, Requests: []AuditRequest{}}
	// Only reads: other readers may look at the same time.
	w, err := warehouse.OpenReadOnly(ctx, opts.WarehousePath)
	if err != nil {
		return res, err
	}
	defer w.Close()
	res.RunID = opts.RunID
	if res.RunID == 0 {
		if res.RunID, err = load.LatestLoadedRun(ctx, w.DB); err != nil {
			return res, err
		}
	} else if _, err := w.GetRun(ctx, res.RunID); err != nil {
		return res, err
	}
	hasPlan, err := w.HasTable(ctx, "plan", "chg_runn__actuals")
	if err != nil {
		return res, err
	}
	if res.Writes, err = auditWrites(ctx, w.DB, res.RunID, hasPlan); err != nil {
		return res, err
	}
	if err := nameWrites(ctx, w.DB, res.Writes); err != nil {
		return res, err
	}
	if res.Requests, err = auditRequests(ctx, w.DB, res.RunID); err != nil {
		return res, err
	}
	res.WritesCount, res.RequestsCount = len(res.Writes), len(res.Requests)
	return res, nil
}

// auditWrites reads the writes of runID. An apply's "before" is what the run's plan found in
// Runn on the key; a revert's is what the run's apply had written there.
func auditWrites(ctx context.Context, db *sqlx.DB, runID int64, hasPlan bool) ([]AuditWrite, error) {
	planBefore := `NULL::BIGINT`
	if hasPlan {
		planBefore = `(SELECT round(p.runn_billable_minutes + p.runn_nonbillable_minutes)::BIGINT FROM plan.chg_runn__actuals AS p
			WHERE p.run_id = w.run_id AND p.date = w.date AND p.runn_person_id = w.runn_person_id
				AND p.runn_project_id = w.runn_project_id AND p.runn_role_id = w.runn_role_id LIMIT 1)`
	}
	rows := []AuditWrite{}
	if err := db.SelectContext(ctx, &rows, `SELECT w.write_id, w.load_id, w.mode, w.kind, w.target_key, w.label, w.rule, w.reason,
			w.status, w.how, w.runn_id, w.error, w.billable_minutes, w.nonbillable_minutes,
			w.billable_minutes + w.nonbillable_minutes AS minutes_after, w.planned_at, w.request_id,
			CASE WHEN w.kind <> 'actual' THEN NULL
				WHEN w.mode = 'apply' THEN `+planBefore+`
				ELSE (SELECT a.billable_minutes + a.nonbillable_minutes FROM audit.writes AS a
					WHERE a.run_id = w.run_id AND a.mode = 'apply' AND a.kind = 'actual' AND a.date = w.date
						AND a.runn_person_id = w.runn_person_id AND a.runn_project_id = w.runn_project_id
						AND a.runn_role_id = w.runn_role_id AND a.request_id IS NOT NULL
					ORDER BY a.write_id DESC LIMIT 1)
			END AS minutes_before
		FROM audit.write_log AS w WHERE w.run_id = ? ORDER BY w.write_id`, runID); err != nil {
		return nil, fmt.Errorf("read the audit trail of run %d: %w", runID, err)
	}
	for i := range rows {
		r := &rows[i]
		r.Target = ParseTarget(r.Kind, r.Key)
		r.PlannedAt = r.PlannedAt.UTC()
		r.Adopted = load.TrailRow{Status: r.Status, RequestID: r.RequestID, How: r.How, Error: r.Error}.IsAdoption()
	}
	return rows, nil
}

// auditRequests reads the requests of runID, each with its body once.
func auditRequests(ctx context.Context, db *sqlx.DB, runID int64) ([]AuditRequest, error) {
	rows := []AuditRequest{}
	if err := db.SelectContext(ctx, &rows, `SELECT q.request_id, q.load_id, q.mode, q.kind, q.method, q.path, q.items, q.sent_at,
			r.status AS http_status, r.duration_ms, r.answered_at, r.outcome, q.body,
			(SELECT count(*) FROM audit.writes AS w WHERE w.request_id = q.request_id) AS writes
		FROM audit.requests AS q LEFT JOIN audit.responses AS r USING (request_id)
		WHERE q.run_id = ? ORDER BY q.request_id`, runID); err != nil {
		return nil, fmt.Errorf("read the requests of run %d: %w", runID, err)
	}
	for i := range rows {
		rows[i].SentAt = rows[i].SentAt.UTC()
		if t := rows[i].AnsweredAt; t != nil {
			u := t.UTC()
			rows[i].AnsweredAt = &u
		}
		if json.Valid([]byte(rows[i].BodyText)) {
			rows[i].Body = json.RawMessage(rows[i].BodyText)
		} else {
			b, _ := json.Marshal(rows[i].BodyText)
			rows[i].Body = b
		}
	}
	return rows, nil
}

// nameWrites puts the names of the people, projects and roles beside an actual's Runn ids: the
// latest name Runn's snapshots hold (the raw rows of pruned runs are gone, the later ones stay),
// or the label of the create that made the record.
func nameWrites(ctx context.Context, db *sqlx.DB, writes []AuditWrite) error {
	var rows []struct {
		Kind string `db:"kind"`
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT kind, id, name FROM (
			SELECT 'person' AS kind, id, concat_ws(' ', first_name, last_name) AS name, extract_id AS seq FROM raw.runn_people
			UNION ALL SELECT 'project', id, name, extract_id FROM raw.runn_projects
			UNION ALL SELECT 'role', id, name, extract_id FROM raw.runn_roles
			UNION ALL SELECT kind, runn_id, label, 9223372036854775807 FROM audit.write_log
				WHERE kind IN ('person', 'project', 'role') AND runn_id IS NOT NULL AND label IS NOT NULL AND status = 'confirmed'
		) WHERE name IS NOT NULL QUALIFY row_number() OVER (PARTITION BY kind, id ORDER BY seq DESC) = 1`); err != nil {
		return fmt.Errorf("read the names of Runn's people, projects and roles: %w", err)
	}
	names := map[string]map[int64]string{"person": {}, "project": {}, "role": {}}
	for _, r := range rows {
		names[r.Kind][r.ID] = r.Name
	}
	name := func(kind string, id *int64) string {
		if id == nil {
			return ""
		}
		return names[kind][*id]
	}
	for i := range writes {
		w := &writes[i]
		if w.Kind == "actual" {
			w.PersonName, w.ProjectName, w.RoleName = name("person", w.RunnPersonID), name("project", w.RunnProjectID), name("role", w.RunnRoleID)
		}
	}
	return nil
}
