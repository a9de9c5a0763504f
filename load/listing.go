package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// TrailRow is one attempt at one change, as the audit trail holds it.
type TrailRow struct {
	WriteID    int64      `db:"write_id" json:"write_id"`
	LoadID     int64      `db:"load_id" json:"load_id"`
	RunID      int64      `db:"run_id" json:"run_id"`
	Mode       string     `db:"mode" json:"mode"`
	Kind       string     `db:"kind" json:"kind"`
	TargetKey  string     `db:"target_key" json:"target_key"`
	Label      *string    `db:"label" json:"label"`
	Rule       *string    `db:"rule" json:"rule"`
	Reason     *string    `db:"reason" json:"reason"`
	Status     string     `db:"status" json:"status"`
	How        *string    `db:"how" json:"how"`
	RunnID     *int64     `db:"runn_id" json:"runn_id"`
	Error      *string    `db:"error" json:"error"`
	PlannedAt  time.Time  `db:"planned_at" json:"planned_at"`
	RequestID  *int64     `db:"request_id" json:"request_id"`
	Method     *string    `db:"method" json:"method"`
	Path       *string    `db:"path" json:"path"`
	SentAt     *time.Time `db:"sent_at" json:"sent_at"`
	HTTPStatus *int64     `db:"http_status" json:"http_status"`
	DurationMS *int64     `db:"duration_ms" json:"duration_ms"`
	AnsweredAt *time.Time `db:"answered_at" json:"answered_at"`
	// Adopted: a create not sent because Runn already had the record (R17, R1); the attempt is
	// confirmed by a read, has no request, and Error holds the note saying so.
	Adopted  bool            `db:"-" json:"adopted,omitempty"`
	Body     json.RawMessage `db:"-" json:"request_body,omitempty"`
	BodyText *string         `db:"body" json:"-"`
}

// Trail lists every attempt of every load of runID, oldest first, with its latest outcome and
// the request that carried it (body included).
func Trail(ctx context.Context, db *sqlx.DB, runID int64) ([]TrailRow, error) {
	rows := []TrailRow{}
	if err := db.SelectContext(ctx, &rows, `SELECT write_id, load_id, run_id, mode, kind, target_key, label, rule, reason,
			status, how, runn_id, error, planned_at, request_id, method, path, sent_at, http_status, duration_ms, answered_at, body
		FROM audit.write_log WHERE run_id = ? ORDER BY write_id`, runID); err != nil {
		return nil, fmt.Errorf("read the audit trail of run %d: %w", runID, err)
	}
	for i := range rows {
		rows[i].Adopted = rows[i].isAdoption()
		if b := rows[i].BodyText; b != nil && json.Valid([]byte(*b)) {
			rows[i].Body = json.RawMessage(*b)
		}
	}
	return rows, nil
}

// LatestLoadedRun is the newest run with anything in the audit trail.
func LatestLoadedRun(ctx context.Context, db *sqlx.DB) (int64, error) {
	var id sql.NullInt64
	if err := db.GetContext(ctx, &id, `SELECT max(run_id) FROM audit.writes`); err != nil {
		return 0, fmt.Errorf("find the latest loaded run: %w", err)
	}
	if !id.Valid {
		return 0, errors.New("no run has been loaded yet: the audit trail is empty")
	}
	return id.Int64, nil
}

// isAdoption tells an adopted create (see recorder.adopt) from every other attempt.
func (r TrailRow) isAdoption() bool {
	return r.Status == statusConfirmed && r.RequestID == nil && r.How != nil && *r.How == howRead &&
		r.Error != nil && strings.HasPrefix(*r.Error, adoptedNote+":")
}
