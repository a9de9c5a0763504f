package warehouse

import (
	"context"
	"fmt"
)

// UnknownRolePerson is a person whose role is Unknown: their time is blocked until it is fixed
// in Runn (R6, R8).
type UnknownRolePerson struct {
	RunnPersonID  *int64 `json:"runn_person_id" db:"runn_person_id"`
	HarvestUserID *int64 `json:"harvest_user_id" db:"harvest_user_id"`
	Name          string `json:"name" db:"name"`
	// Source: "runn" (in Runn's snapshot with a contract whose role is Unknown) or "created"
	// (created with Unknown by the latest planned run).
	Source string `json:"source" db:"source"`
	Why    string `json:"why,omitempty" db:"why"`
}

// UnknownRolesInRunn lists the people of the latest usable Runn snapshot whose contract (in force
// on its run's today, else the latest) has the role Unknown. It reads the raw snapshot, not a
// plan: an extract that no transform has planned yet counts.
func (r *Reader) UnknownRolesInRunn(ctx context.Context) ([]UnknownRolePerson, error) {
	people := []UnknownRolePerson{}
	if err := r.DB.SelectContext(ctx, &people, `WITH ex AS (
			SELECT e.extract_id, coalesce(r.today, current_date) AS today FROM meta.usable_extracts AS e JOIN meta.runs AS r USING (run_id)
			WHERE e.source = 'runn' ORDER BY e.extract_id DESC LIMIT 1),
		people AS (SELECT p.* FROM raw.runn_people AS p, ex WHERE p.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.page_seq DESC) = 1),
		roles AS (SELECT r.* FROM raw.runn_roles AS r, ex WHERE r.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY r.id ORDER BY r.page_seq DESC) = 1),
		current AS (SELECT c.person_id, c.role_id FROM raw.runn_contracts AS c, ex WHERE c.extract_id = ex.extract_id
			QUALIFY row_number() OVER (PARTITION BY c.person_id ORDER BY
				(c.start_date <= ex.today AND (c.end_date IS NULL OR c.end_date >= ex.today)) DESC, c.start_date DESC, c.id DESC) = 1)
		SELECT p.id AS runn_person_id,
			(SELECT try_cast(min(x.external_id) AS BIGINT) FROM unnest(p."references") AS u(x) WHERE lower(x.reference_name) = 'harvest') AS harvest_user_id,
			trim(concat_ws(' ', p.first_name, p.last_name)) AS name, 'runn' AS source, 'the role of their contract in Runn is Unknown' AS why
		FROM people AS p JOIN current AS c ON c.person_id = p.id JOIN roles AS ro ON ro.id = c.role_id
		WHERE NOT coalesce(p.is_archived, false) AND lower(regexp_replace(trim(ro.name), '\s+', ' ', 'g')) = 'unknown'
		ORDER BY name, runn_person_id`); err != nil {
		return people, fmt.Errorf("find people whose role is Unknown: %w", err)
	}
	return people, nil
}

// CreatedWithUnknownRole lists the people a run's plan creates with the role Unknown
// (plan.rpt_unknown_roles; nil in a warehouse without it).
func (r *Reader) CreatedWithUnknownRole(ctx context.Context, runID int64) ([]UnknownRolePerson, error) {
	ok, err := r.HasTable(ctx, "plan", "rpt_unknown_roles")
	if err != nil || !ok {
		return nil, err
	}
	var created []UnknownRolePerson
	if err := r.DB.SelectContext(ctx, &created, `SELECT NULL::BIGINT AS runn_person_id, harvest_user_id::BIGINT AS harvest_user_id,
			trim(concat_ws(' ', first_name, last_name)) AS name, 'created' AS source, reason AS why
		FROM plan.rpt_unknown_roles WHERE run_id = ? ORDER BY name, harvest_user_id`, runID); err != nil {
		return nil, fmt.Errorf("read plan.rpt_unknown_roles: %w", err)
	}
	return created, nil
}
