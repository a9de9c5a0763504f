-- What Runn held before this run on each actual key in the window (R10, R11, R13): actuals
-- without a workstream only, since harvest2runn writes and compares no others; actuals with a
-- workstream are invisible to it (they neither count as Runn's value nor stop R13). Runn keeps one
-- actual per key; summing guards the comparison should a snapshot ever hold two.
WITH ctx AS (
    SELECT today, window_from FROM staging.run_context
)
SELECT
    a.date,
    a.runn_person_id,
    a.runn_project_id,
    a.runn_role_id,
    sum(a.billable_minutes)::BIGINT AS billable_minutes,
    sum(a.nonbillable_minutes)::BIGINT AS nonbillable_minutes
FROM staging.stg_runn__actuals AS a
CROSS JOIN ctx
WHERE a.workstream_id IS NULL
    AND (ctx.window_from IS NULL OR a.date >= ctx.window_from)
    AND a.date <= ctx.today
GROUP BY a.date, a.runn_person_id, a.runn_project_id, a.runn_role_id
