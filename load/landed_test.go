package load

import (
	"context"
	"testing"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
)

// An earlier run's actual write whose answer never came counts as harvest2runn's (R11) once a
// later snapshot of Runn shows exactly its minutes on its key; one Runn holds other minutes
// for, or one already confirmed by another attempt, is left as it is.
func TestReconcileLanded(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	for _, q := range []string{
		// Run 1 sent four actual writes and stopped before recording the answers of three.
		`INSERT INTO audit.writes (write_id, load_id, run_id, mode, kind, target_key, request_id, date,
			runn_person_id, runn_project_id, runn_role_id, billable_minutes, nonbillable_minutes) VALUES
			(1, 1, 1, 'apply', 'actual', 'k10', 1, DATE '2025-06-02', 10, 20, 30, 60, 0),
			(2, 1, 1, 'apply', 'actual', 'k11', 1, DATE '2025-06-02', 11, 20, 30, 60, 0),
			(3, 1, 1, 'apply', 'actual', 'k12', 1, DATE '2025-06-02', 12, 20, 30, 60, 0),
			(4, 1, 1, 'apply', 'actual', 'k12', 2, DATE '2025-06-02', 12, 20, 30, 60, 0)`,
		`INSERT INTO audit.outcomes (outcome_id, write_id, status, how) VALUES (1, 4, 'confirmed', 'answer')`,
		`INSERT INTO audit.actual_keys (run_id, date, runn_person_id, runn_project_id, runn_role_id, billable_minutes, nonbillable_minutes, how)
			VALUES (1, DATE '2025-06-02', 12, 20, 30, 60, 0, 'written')`,
		// Run 2's snapshot of Runn (extract 7): 10 holds what run 1 sent, 11 holds something else.
		`INSERT INTO raw.runn_actuals (extract_id, page_seq, id, date, person_id, project_id, role_id, workstream_id, phase_id,
			billable_minutes, nonbillable_minutes, created_at, updated_at) VALUES
			(7, 1, 100, DATE '2025-06-02', 10, 20, 30, NULL, NULL, 60, 0, now(), now()),
			(7, 1, 101, DATE '2025-06-02', 11, 20, 30, NULL, NULL, 45, 0, now(), now()),
			(7, 1, 102, DATE '2025-06-02', 12, 20, 30, NULL, NULL, 60, 0, now(), now())`,
	} {
		if _, err := w.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	n, err := ReconcileLanded(ctx, w.DB, 2, 7)
	if err != nil || n != 1 {
		t.Fatalf("ReconcileLanded = %d, %v; want 1 (person 10 only)", n, err)
	}
	var keys []int64
	if err := w.DB.SelectContext(ctx, &keys, `SELECT runn_person_id FROM audit.actual_keys WHERE how = 'written' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != 10 || keys[1] != 12 {
		t.Fatalf("owned keys = %v, want [10 12]", keys)
	}
	var status string
	if err := w.DB.GetContext(ctx, &status, `SELECT status || '/' || how FROM audit.write_log WHERE write_id = 1`); err != nil || status != "confirmed/read" {
		t.Fatalf("write 1 = %q, %v; want confirmed/read", status, err)
	}
	if n, err := ReconcileLanded(ctx, w.DB, 2, 7); err != nil || n != 0 {
		t.Fatalf("second ReconcileLanded = %d, %v; want 0", n, err)
	}
}
