-- Runn actuals of the window before this run. Minutes are whole numbers in practice; they are
-- rounded so that comparisons with Harvest's minutes are exact.
SELECT
    a.id AS runn_actual_id,
    a.date,
    a.person_id AS runn_person_id,
    a.project_id AS runn_project_id,
    a.role_id AS runn_role_id,
    a.workstream_id,
    round(a.billable_minutes)::BIGINT AS billable_minutes,
    round(a.nonbillable_minutes)::BIGINT AS nonbillable_minutes
FROM raw.runn_actuals AS a
WHERE a.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY a.id ORDER BY a.updated_at DESC, a.page_seq) = 1
