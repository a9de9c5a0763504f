-- The actuals a run's plan writes (R10-R13), one row per key, with the names of the person,
-- project and role (Runn's, else Harvest's for a record created this run), what Runn held before
-- (NULL: no actual) and what is sent, ordered by person, project, date and role. person_key and
-- project_key group the rows: the Runn id, else minus the Harvest id (a record created this run). Read right
-- after the run's transform, while staging.* and intermediate.* still hold that run.
WITH r AS (SELECT ?::BIGINT AS run_id),
created_roles AS (
    SELECT role_key, min(name) AS name FROM intermediate.int_roles WHERE is_created GROUP BY role_key
)
SELECT
    a.date::VARCHAR AS date,
    coalesce(a.runn_person_id, -a.harvest_user_id) AS person_key,
    coalesce(a.runn_project_id, -a.harvest_project_id) AS project_key,
    a.harvest_user_id,
    a.runn_person_id,
    a.harvest_project_id,
    a.runn_project_id,
    a.runn_role_id,
    coalesce(nullif(trim(concat_ws(' ', rp.first_name, rp.last_name)), ''),
        nullif(trim(concat_ws(' ', hu.first_name, hu.last_name)), ''), '') AS person_name,
    coalesce(rpr.name, hp.name, '') AS project_name,
    coalesce(ro.name, cr.name, a.role_key, '') AS role_name,
    a.billable_minutes,
    a.nonbillable_minutes,
    a.runn_billable_minutes,
    a.runn_nonbillable_minutes,
    a.rule,
    a.reason
FROM plan.chg_runn__actuals AS a JOIN r USING (run_id)
LEFT JOIN staging.stg_runn__people AS rp ON rp.runn_person_id = a.runn_person_id
LEFT JOIN staging.stg_harvest__users AS hu ON hu.harvest_user_id = a.harvest_user_id
LEFT JOIN staging.stg_runn__projects AS rpr ON rpr.runn_project_id = a.runn_project_id
LEFT JOIN staging.stg_harvest__projects AS hp ON hp.harvest_project_id = a.harvest_project_id
LEFT JOIN staging.stg_runn__roles AS ro ON ro.runn_role_id = a.runn_role_id
LEFT JOIN created_roles AS cr ON a.runn_role_id IS NULL AND cr.role_key = a.role_key
ORDER BY person_name, person_key, project_name, project_key, a.date, role_name, a.rule
