package transform

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// Summary is what a run's plan amounts to, read back from plan.*: what will be sent per kind
// and rule, what will not and why.
type Summary struct {
	RunID      int64          `json:"run_id"`
	Changes    []ChangeCount  `json:"changes"`
	Exclusions []ExclusionSum `json:"exclusions"`
	// UnknownRoles is the one list of people whose role is Unknown (warehouse.PeopleWithRoleUnknown).
	UnknownRoles      []warehouse.UnknownRolePerson `json:"people_with_role_unknown"`
	UnknownRolesCount int                           `json:"people_with_role_unknown_count"`
	PossibleDupes     int64                         `json:"possible_duplicates_count"`
	ReferenceClashes  int64                         `json:"reference_conflicts_count"`
	Samples           map[string][]Row              `json:"-"`
}

// ChangeCount counts a kind of Runn write for one rule.
type ChangeCount struct {
	Kind string `json:"kind"` // roles, clients, projects, people, actuals
	Rule string `json:"rule"`
	Rows int64  `json:"rows_count"`
}

// ExclusionSum adds up the time not sent for one reason (R9). Reason names the cause and the rule
// behind it ("project inactive in Harvest, not created (R4)"); Cause is its short code.
type ExclusionSum struct {
	Reason  string `json:"reason" db:"reason"`
	Cause   string `json:"cause" db:"cause"`
	Entries int64  `json:"entries_count" db:"entries"`
	Minutes int64  `json:"minutes" db:"minutes"`
}

// Row is one row of a table, column by column.
type Row map[string]any

// changeKinds are the plan tables of Runn writes, in the order the load applies them (R15).
var changeKinds = []string{"roles", "clients", "projects", "people", "actuals"}

// Summarize reads the plan of runID. sample rows per change kind are kept for display (0: none).
func Summarize(ctx context.Context, db *sqlx.DB, runID int64, sample int) (Summary, error) {
	s := Summary{RunID: runID, Samples: map[string][]Row{}, UnknownRoles: []warehouse.UnknownRolePerson{}}
	have, err := planTables(ctx, db)
	if err != nil {
		return s, err
	}
	for _, kind := range changeKinds {
		table := "plan.chg_runn__" + kind
		if !have[table] {
			continue
		}
		var counts []ChangeCount
		if err := db.SelectContext(ctx, &counts, `SELECT ? AS kind, rule, count(*) AS rows FROM `+table+`
			WHERE run_id = ? GROUP BY rule ORDER BY rule`, kind, runID); err != nil {
			return s, fmt.Errorf("summarise %s: %w", table, err)
		}
		s.Changes = append(s.Changes, counts...)
		if sample > 0 {
			rows, err := selectRows(ctx, db, fmt.Sprintf(`SELECT * EXCLUDE (run_id) FROM %s WHERE run_id = ? ORDER BY ALL LIMIT %d`, table, sample), runID)
			if err != nil {
				return s, err
			}
			s.Samples[kind] = rows
		}
	}
	if have["plan.rpt_exclusions"] {
		if err := db.SelectContext(ctx, &s.Exclusions, `SELECT reason, coalesce(cause, reason) AS cause, count(*) AS entries,
				coalesce(sum(minutes), 0)::BIGINT AS minutes
			FROM plan.rpt_exclusions WHERE run_id = ? GROUP BY ALL ORDER BY minutes DESC, reason`, runID); err != nil {
			return s, fmt.Errorf("summarise exclusions: %w", err)
		}
	}
	if s.UnknownRoles, err = warehouse.PeopleWithRoleUnknown(ctx, db, runID); err != nil {
		return s, err
	}
	s.UnknownRolesCount = len(s.UnknownRoles)
	for table, dst := range map[string]*int64{
		"plan.rpt_possible_duplicates": &s.PossibleDupes,
		"plan.rpt_reference_conflicts": &s.ReferenceClashes,
	} {
		if !have[table] {
			continue
		}
		if err := db.GetContext(ctx, dst, `SELECT count(*) FROM `+table+` WHERE run_id = ?`, runID); err != nil {
			return s, fmt.Errorf("summarise %s: %w", table, err)
		}
	}
	return s, nil
}

func planTables(ctx context.Context, db *sqlx.DB) (map[string]bool, error) {
	var names []string
	if err := db.SelectContext(ctx, &names, `SELECT 'plan.' || table_name FROM duckdb_tables() WHERE schema_name = 'plan'`); err != nil {
		return nil, fmt.Errorf("list plan tables: %w", err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	return have, nil
}

func selectRows(ctx context.Context, db *sqlx.DB, q string, args ...any) ([]Row, error) {
	rows, err := db.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.SplitN(q, "\n", 2)[0], err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		r := map[string]any{}
		if err := rows.MapScan(r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
