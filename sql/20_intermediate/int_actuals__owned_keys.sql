-- The actual keys in the window that harvest2runn owns (R11): the latest record of the key in
-- audit.actual_keys from an earlier run holds minutes > 0, whether harvest2runn wrote them and
-- Runn confirmed ('written') or found Runn already equal to them ('found_equal'). A key whose
-- latest record is a 0 (an R11 zero, an R13 fill) is no longer harvest2runn's time: what a user
-- put there since is left alone. Only earlier runs count, so that replaying a run plans what
-- that run planned, whatever later runs wrote.
WITH ctx AS (
    SELECT run_id, today, window_from FROM staging.run_context
),
latest AS (
    SELECT k.run_id, k.date, k.runn_person_id, k.runn_project_id, k.runn_role_id,
        k.billable_minutes, k.nonbillable_minutes, k.how
    FROM audit.actual_keys AS k
    CROSS JOIN ctx
    WHERE k.run_id < ctx.run_id
        AND (ctx.window_from IS NULL OR k.date >= ctx.window_from)
        AND k.date <= ctx.today
    QUALIFY row_number() OVER (
        PARTITION BY k.date, k.runn_person_id, k.runn_project_id, k.runn_role_id
        ORDER BY k.run_id DESC, k.recorded_at DESC, k.how DESC
    ) = 1
)
SELECT
    date,
    runn_person_id,
    runn_project_id,
    runn_role_id,
    billable_minutes,
    nonbillable_minutes,
    how,
    run_id
FROM latest
WHERE billable_minutes + nonbillable_minutes > 0
