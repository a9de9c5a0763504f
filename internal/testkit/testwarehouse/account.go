package testwarehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// The large benchmark account, shared by the transform's and the analysts' benchmarks.

// GenerateAccount writes the raw extracts of two runs: run 1 (whole history: Harvest extract 1,
// Runn extract 2) and run 2 (45-day window: extracts 3 and 4). Runn already holds half of the
// keys Harvest has, with equal minutes, as it would after earlier nightly runs.
func GenerateAccount(ctx context.Context, w *warehouse.Warehouse, today time.Time, people, projects, entries int) error {
	from45 := today.AddDate(0, 0, -45).Format(time.DateOnly)
	day := today.Format(time.DateOnly)
	stmts := []string{
		`INSERT INTO meta.runs (run_id, kind, status, started_at, today) VALUES (1, 'sync', 'succeeded', now(), DATE '` + day + `'), (2, 'sync', 'succeeded', now(), DATE '` + day + `')`,
		`INSERT INTO meta.extracts (extract_id, run_id, source, status, started_at) VALUES
			(1, 1, 'harvest', 'succeeded', now()), (2, 1, 'runn', 'succeeded', now()),
			(3, 2, 'harvest', 'succeeded', now()), (4, 2, 'runn', 'succeeded', now())`,
		fmt.Sprintf(`INSERT INTO raw.harvest_users SELECT 1, 1, i, 'First' || i, 'Last' || i, 'user' || i || '@example.com', '', 'UTC',
			i %% 10 = 0, i %% 50 <> 0, 126000, NULL, (50 + i %% 40)::VARCHAR, ['Role ' || (i %% 40)], ['member'],
			TIMESTAMPTZ '2023-01-02 09:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM range(1, %d + 1) t(i)`, people),
		`INSERT INTO raw.harvest_roles SELECT 1, 1, 100 + k, 'Role ' || k, [], TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(0, 40) t(k)`,
		fmt.Sprintf(`INSERT INTO raw.harvest_clients SELECT 1, 1, c, 'Client ' || c, true, 'EUR', TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(1, %d + 1) t(c)`, projects/10),
		fmt.Sprintf(`INSERT INTO raw.harvest_projects SELECT 1, 1, j, 1 + j %% %d, 'Client', 'Project ' || j, NULL, j %% 97 <> 0, j %% 7 <> 0, j %% 11 = 0,
			'Project', NULL, NULL, CASE WHEN j %% 3 = 0 THEN 'project_cost' ELSE 'none' END, false, CASE WHEN j %% 3 = 0 THEN '10000.0' END, NULL, NULL, NULL,
			TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(1, %d + 1) t(j)`, projects/10, projects),
		// Each person works on three projects; entries spread over three years of days.
		fmt.Sprintf(`INSERT INTO raw.harvest_time_entries
			SELECT 1, 1 + i // 2000, 10000000000 + i, DATE '%s' - (i %% 1095)::INTEGER, u, 1, 1 + ((u * 3 + i %% 3) * 37) %% %d, 1, NULL, NULL,
				(0.25 * (1 + i %% 32))::VARCHAR, NULL, false, i %% 5 <> 0, false, false, false, NULL, NULL, NULL,
				TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00'
			FROM (SELECT i, 1 + (i // 7) %% %d AS u FROM range(0, %d) t(i))`, day, projects, people, entries),
		`INSERT INTO raw.harvest_users SELECT 3, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.harvest_users WHERE extract_id = 1`,
		`INSERT INTO raw.harvest_roles SELECT 3, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.harvest_roles WHERE extract_id = 1`,
		`INSERT INTO raw.harvest_clients SELECT 3, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.harvest_clients WHERE extract_id = 1`,
		`INSERT INTO raw.harvest_projects SELECT 3, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.harvest_projects WHERE extract_id = 1`,
		`INSERT INTO raw.harvest_time_entries SELECT 3, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.harvest_time_entries
			WHERE extract_id = 1 AND spent_date >= DATE '` + from45 + `'`,
		// Runn: roles, clients, projects and people carrying Harvest references; a contract
		// each; an assignment per person and project worked on.
		`INSERT INTO raw.runn_roles SELECT e, 1, 1 + k, 'Role ' || k, false, 0, 0, [], TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00'
			FROM range(0, 40) t(k), (VALUES (2), (4)) x(e)`,
		fmt.Sprintf(`INSERT INTO raw.runn_clients SELECT e, 1, c, 'Client ' || c, NULL, false, [{'reference_name': 'Harvest', 'external_id': c::VARCHAR}],
			TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(1, %d + 1) t(c), (VALUES (2), (4)) x(e)`, projects/10),
		fmt.Sprintf(`INSERT INTO raw.runn_projects SELECT e, 1, j, 'Project ' || j, 1 + j %% %d, false, false, true, CASE WHEN j %% 7 = 0 THEN 'nb' ELSE 'tm' END, NULL,
			[{'reference_name': 'Harvest', 'external_id': j::VARCHAR}], CASE WHEN j %% 500 = 0 THEN [{'id': 1, 'name': 'sync_off'}] ELSE [] END,
			TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(1, %d + 1) t(j), (VALUES (2), (4)) x(e)`, projects/10, projects),
		fmt.Sprintf(`INSERT INTO raw.runn_people SELECT e, 1, p, 'First' || p, 'Last' || p, 'user' || p || '@example.com', false,
			[{'reference_name': 'Harvest', 'external_id': p::VARCHAR}], [], TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00'
			FROM range(1, %d + 1) t(p), (VALUES (2), (4)) x(e)`, people),
		fmt.Sprintf(`INSERT INTO raw.runn_contracts SELECT e, 1, p, p, 1 + (p %% 40), DATE '2023-01-02', NULL, 'employee', 60, 480, 480, 480, 480, 480, 480,
			TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00' FROM range(1, %d + 1) t(p), (VALUES (2), (4)) x(e)`, people),
		fmt.Sprintf(`INSERT INTO raw.runn_assignments SELECT e, 1, p * 3 + k, p, 1 + ((p * 3 + k) * 37) %% %d, 1 + (p %% 40), DATE '2023-01-02', DATE '2027-12-31',
			160, true, true, false, false, false, NULL, TIMESTAMPTZ '2023-01-01 00:00:00+00', TIMESTAMPTZ '2023-01-01 00:00:00+00'
			FROM range(1, %d + 1) t(p), range(0, 3) s(k), (VALUES (2), (4)) x(e)`, projects, people),
		// Runn holds half the keys already, equal to Harvest's minutes.
		`INSERT INTO raw.runn_actuals SELECT 2, 1, row_number() OVER (), spent_date, user_id, project_id, 1 + (user_id % 40), NULL, NULL,
			sum(CASE WHEN billable THEN round(hours::DECIMAL(38,18) * 60) ELSE 0 END), sum(CASE WHEN billable THEN 0 ELSE round(hours::DECIMAL(38,18) * 60) END),
			TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00'
			FROM raw.harvest_time_entries WHERE extract_id = 1 AND (user_id + project_id) % 2 = 0 GROUP BY spent_date, user_id, project_id`,
		`INSERT INTO raw.runn_actuals SELECT 4, page_seq, COLUMNS(* EXCLUDE (extract_id, page_seq)) FROM raw.runn_actuals
			WHERE extract_id = 2 AND date >= DATE '` + from45 + `'`,
		`CHECKPOINT`,
	}
	for _, q := range stmts {
		if _, err := w.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%.120s: %w", q, err)
		}
	}
	return nil
}
