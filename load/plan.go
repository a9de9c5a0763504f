package load

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// The change kinds, in the order they are applied (R15).
const (
	KindRole    = "role"
	KindClient  = "client"
	KindProject = "project"
	KindPerson  = "person"
	KindActual  = "actual"
)

// Kinds lists the change kinds in the order of R15.
func Kinds() []string { return []string{KindRole, KindClient, KindProject, KindPerson, KindActual} }

// RoleChange is a row of plan.chg_runn__roles: a role to create (R6).
type RoleChange struct {
	RoleKey       string `db:"role_key" json:"role_key"`
	Name          string `db:"name" json:"name"`
	HarvestRoleID *int64 `db:"harvest_role_id" json:"harvest_role_id"`
	Rule          string `db:"rule" json:"rule"`
	Reason        string `db:"reason" json:"reason"`
}

// ClientChange is a row of plan.chg_runn__clients: a client to create (R2, R3).
type ClientChange struct {
	HarvestClientID int64  `db:"harvest_client_id" json:"harvest_client_id"`
	Name            string `db:"name" json:"name"`
	Rule            string `db:"rule" json:"rule"`
	Reason          string `db:"reason" json:"reason"`
}

// ProjectChange is a row of plan.chg_runn__projects: a project to create (R2, R4). RunnClientID
// is nil when the client is created by this run (found by HarvestClientID).
type ProjectChange struct {
	HarvestProjectID int64    `db:"harvest_project_id" json:"harvest_project_id"`
	Name             string   `db:"name" json:"name"`
	HarvestClientID  *int64   `db:"harvest_client_id" json:"harvest_client_id"`
	RunnClientID     *int64   `db:"runn_client_id" json:"runn_client_id"`
	PricingModel     string   `db:"pricing_model" json:"pricing_model"`
	Budget           *float64 `db:"budget" json:"budget"`
	Rule             string   `db:"rule" json:"rule"`
	Reason           string   `db:"reason" json:"reason"`
}

// PersonChange is a row of plan.chg_runn__people: a person to create with a first contract (R2,
// R5, R6). RunnRoleID is nil when the role is created by this run (found by RoleKey).
type PersonChange struct {
	HarvestUserID  int64    `db:"harvest_user_id" json:"harvest_user_id"`
	FirstName      string   `db:"first_name" json:"first_name"`
	LastName       string   `db:"last_name" json:"last_name"`
	Email          *string  `db:"email" json:"email"`
	RoleKey        *string  `db:"role_key" json:"role_key"`
	RunnRoleID     *int64   `db:"runn_role_id" json:"runn_role_id"`
	CostPerHour    *float64 `db:"cost_per_hour" json:"cost_per_hour"`
	EmploymentType *string  `db:"employment_type" json:"employment_type"`
	StartDate      *string  `db:"start_date" json:"start_date"`
	Rule           string   `db:"rule" json:"rule"`
	Reason         string   `db:"reason" json:"reason"`
}

// ActualChange is a row of plan.chg_runn__actuals: one day's minutes for a key (R10-R13). A nil
// Runn id is resolved through the record this run creates (by Harvest id, or role key).
type ActualChange struct {
	Date                   string  `db:"date" json:"date"`
	HarvestUserID          *int64  `db:"harvest_user_id" json:"harvest_user_id"`
	RunnPersonID           *int64  `db:"runn_person_id" json:"runn_person_id"`
	HarvestProjectID       *int64  `db:"harvest_project_id" json:"harvest_project_id"`
	RunnProjectID          *int64  `db:"runn_project_id" json:"runn_project_id"`
	RunnRoleID             *int64  `db:"runn_role_id" json:"runn_role_id"`
	RoleKey                *string `db:"role_key" json:"role_key"`
	BillableMinutes        int64   `db:"billable_minutes" json:"billable_minutes"`
	NonbillableMinutes     int64   `db:"nonbillable_minutes" json:"nonbillable_minutes"`
	RunnBillableMinutes    *int64  `db:"runn_billable_minutes" json:"runn_billable_minutes"`
	RunnNonbillableMinutes *int64  `db:"runn_nonbillable_minutes" json:"runn_nonbillable_minutes"`
	Rule                   string  `db:"rule" json:"rule"`
	Reason                 string  `db:"reason" json:"reason"`
}

// Plan is a run's changes, read from plan.* (the transform's contract, issue 4).
type Plan struct {
	RunID    int64
	Roles    []RoleChange
	Clients  []ClientChange
	Projects []ProjectChange
	People   []PersonChange
	Actuals  []ActualChange
	// Missing names plan tables the warehouse does not have (read as no changes).
	Missing []string
}

// The queries read the contract's columns with casts that make them independent of how the SQL
// happens to type them (DECIMAL budgets, DATE dates); ORDER BY ALL makes the load's order, and
// so its requests, the same on every attempt.
var planQueries = []struct {
	table string
	query string
}{
	{"plan.chg_runn__roles", `SELECT role_key, name, harvest_role_id::BIGINT AS harvest_role_id, rule, reason
		FROM plan.chg_runn__roles WHERE run_id = ? ORDER BY ALL`},
	{"plan.chg_runn__clients", `SELECT harvest_client_id::BIGINT AS harvest_client_id, name, rule, reason
		FROM plan.chg_runn__clients WHERE run_id = ? ORDER BY ALL`},
	{"plan.chg_runn__projects", `SELECT harvest_project_id::BIGINT AS harvest_project_id, name,
		harvest_client_id::BIGINT AS harvest_client_id, runn_client_id::BIGINT AS runn_client_id, pricing_model,
		budget::DOUBLE AS budget, rule, reason
		FROM plan.chg_runn__projects WHERE run_id = ? ORDER BY ALL`},
	{"plan.chg_runn__people", `SELECT harvest_user_id::BIGINT AS harvest_user_id, first_name, last_name, email,
		role_key, runn_role_id::BIGINT AS runn_role_id, cost_per_hour::DOUBLE AS cost_per_hour, employment_type,
		strftime(start_date::DATE, '%Y-%m-%d') AS start_date, rule, reason
		FROM plan.chg_runn__people WHERE run_id = ? ORDER BY ALL`},
	{"plan.chg_runn__actuals", `SELECT strftime(date::DATE, '%Y-%m-%d') AS date,
		harvest_user_id::BIGINT AS harvest_user_id, runn_person_id::BIGINT AS runn_person_id,
		harvest_project_id::BIGINT AS harvest_project_id, runn_project_id::BIGINT AS runn_project_id,
		runn_role_id::BIGINT AS runn_role_id, role_key,
		billable_minutes::BIGINT AS billable_minutes, nonbillable_minutes::BIGINT AS nonbillable_minutes,
		runn_billable_minutes::BIGINT AS runn_billable_minutes, runn_nonbillable_minutes::BIGINT AS runn_nonbillable_minutes,
		rule, reason
		FROM plan.chg_runn__actuals WHERE run_id = ? ORDER BY ALL`},
}

// ReadPlan reads the plan of runID. A plan table the warehouse lacks holds no changes (the
// transform keeps a table per model it has); it is named in Plan.Missing.
func ReadPlan(ctx context.Context, db *sqlx.DB, runID int64) (Plan, error) {
	p := Plan{RunID: runID}
	have, err := tablesIn(ctx, db, "plan")
	if err != nil {
		return p, err
	}
	// The tables are read side by side: a plan with nothing in it is read in the time of one.
	dests := []any{&p.Roles, &p.Clients, &p.Projects, &p.People, &p.Actuals}
	errs := make([]error, len(planQueries))
	var wg sync.WaitGroup
	for i, q := range planQueries {
		if !have[q.table] {
			p.Missing = append(p.Missing, q.table)
			continue
		}
		wg.Go(func() {
			if err := db.SelectContext(ctx, dests[i], q.query, runID); err != nil {
				errs[i] = fmt.Errorf("read the plan of run %d from %s (does it have the transform contract's columns?): %w", runID, q.table, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// Size is the number of changes in the plan.
func (p Plan) Size() int {
	return len(p.Roles) + len(p.Clients) + len(p.Projects) + len(p.People) + len(p.Actuals)
}

// tablesIn returns the "schema.table" names of a schema's tables.
func tablesIn(ctx context.Context, db sqlx.QueryerContext, schema string) (map[string]bool, error) {
	var names []string
	if err := sqlx.SelectContext(ctx, db, &names, `SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name = ?`, schema); err != nil {
		return nil, fmt.Errorf("list the %s tables: %w", schema, err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	return have, nil
}
