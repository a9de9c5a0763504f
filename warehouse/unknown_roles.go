package warehouse

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// UnknownRolePerson is a person whose role is Unknown: their time is blocked until it is fixed
// in Runn (R6, R8).
type UnknownRolePerson struct {
	RunnPersonID  *int64 `json:"runn_person_id" db:"runn_person_id"`
	HarvestUserID *int64 `json:"harvest_user_id" db:"harvest_user_id"`
	Name          string `json:"person_name" db:"name"`
	// Source: "runn" (in Runn's snapshot with a contract whose role is Unknown) or "created"
	// (created with Unknown by the run).
	Source string `json:"source" db:"source"`
	Why    string `json:"why,omitempty" db:"why"`
	Rule   string `json:"rule,omitempty" db:"rule"`
}

// PeopleWithRoleUnknown is THE list of people whose role is Unknown as run runID planned it:
// the rows of plan.rpt_unknown_roles (sql/40_reports/rpt_unknown_roles.sql), the people of the
// run's Runn snapshot whose contract has the role Unknown and the people the run creates with
// it. The sync summary, the plan, `status` and the docs' query all read this one set, so their
// counts agree. Empty (never nil) in a warehouse without the table or without that run's plan.
func PeopleWithRoleUnknown(ctx context.Context, db *sqlx.DB, runID int64) ([]UnknownRolePerson, error) {
	people := []UnknownRolePerson{}
	var ok bool
	if err := db.GetContext(ctx, &ok, `SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'plan' AND table_name = 'rpt_unknown_roles'`); err != nil {
		return people, fmt.Errorf("look for plan.rpt_unknown_roles: %w", err)
	}
	if !ok {
		return people, nil
	}
	// source is NULL in rows kept before migration 012, when only created people were listed.
	if err := db.SelectContext(ctx, &people, `SELECT runn_person_id, harvest_user_id::BIGINT AS harvest_user_id,
			trim(concat_ws(' ', first_name, last_name)) AS name, coalesce(source, 'created') AS source,
			coalesce(reason, '') AS why, coalesce(rule, '') AS rule
		FROM plan.rpt_unknown_roles WHERE run_id = ? ORDER BY name, harvest_user_id, runn_person_id`, runID); err != nil {
		return people, fmt.Errorf("read plan.rpt_unknown_roles of run %d: %w", runID, err)
	}
	return people, nil
}

// PeopleWithRoleUnknown is the list of people whose role is Unknown in the latest planned run
// (see the function of the same name); empty when no run was planned yet.
func (r *Reader) PeopleWithRoleUnknown(ctx context.Context) (runID int64, people []UnknownRolePerson, err error) {
	if runID, err = r.LatestPlannedRun(ctx); err != nil || runID == 0 {
		return runID, []UnknownRolePerson{}, err
	}
	people, err = PeopleWithRoleUnknown(ctx, r.DB, runID)
	return runID, people, err
}

// UnknownRolesInRunn lists the people of the latest planned run's Runn snapshot whose role is
// Unknown: the "runn" part of PeopleWithRoleUnknown, which callers should use instead.
func (r *Reader) UnknownRolesInRunn(ctx context.Context) ([]UnknownRolePerson, error) {
	_, people, err := r.PeopleWithRoleUnknown(ctx)
	return bySource(people, "runn"), err
}

// CreatedWithUnknownRole lists the people run runID creates with the role Unknown: the
// "created" part of PeopleWithRoleUnknown, which callers should use instead.
func (r *Reader) CreatedWithUnknownRole(ctx context.Context, runID int64) ([]UnknownRolePerson, error) {
	people, err := PeopleWithRoleUnknown(ctx, r.DB, runID)
	return bySource(people, "created"), err
}

func bySource(people []UnknownRolePerson, source string) []UnknownRolePerson {
	out := []UnknownRolePerson{}
	for _, p := range people {
		if p.Source == source {
			out = append(out, p)
		}
	}
	return out
}
