-- One row per Harvest time entry of the extract dated from the window's first day on (R10: dates
-- before the window are never touched, so their entries play no part): the Runn person and
-- project it lands on, its whole minutes and the first R9 reason that excludes it before its
-- role is known (roles are settled per person, project and day in
-- intermediate.int_actuals__by_day; 'role Unknown' and 'no role' come from there).
--
-- R7: minutes = round(hours × 60) per entry, half away from zero (DuckDB rounds DECIMAL that
-- way: 0.175 h is 10.5 min, so 11), from hours at the precision Harvest sent (staging keeps it
-- as DECIMAL(38,18): 1.025 h is 61.5 min, so 62, where a DOUBLE gives 61.4999… and 61). Billable
-- when the entry is billable and the Runn project (or the project created this run, R4) is not
-- 'nb'; otherwise non-billable.
--
-- person_key / project_key identify the Runn record the time lands on: its Runn id, or, for a
-- record this run creates (no Runn id yet), minus its Harvest id. Runn and Harvest ids are
-- positive, so the two never collide, and every later join is on one BIGINT.
--
-- Order of the reasons when several apply: whether the records exist in Runn, then whether they
-- are archived, then the project's tag and state, then the entry's own date and timer.
WITH ctx AS (
    SELECT today, window_from FROM staging.run_context
)
SELECT
    e.harvest_entry_id,
    e.spent_date AS date,
    e.harvest_user_id,
    e.harvest_project_id,
    pe.runn_person_id,
    pr.runn_project_id,
    CASE
        WHEN pe.runn_person_id IS NOT NULL THEN pe.runn_person_id
        WHEN pe.is_created THEN -pe.harvest_user_id
    END AS person_key,
    CASE
        WHEN pr.runn_project_id IS NOT NULL THEN pr.runn_project_id
        WHEN pr.is_created THEN -pr.harvest_project_id
    END AS project_key,
    round(e.hours * 60)::BIGINT AS minutes,
    coalesce(e.billable, false) AND coalesce(pr.pricing_model, '') <> 'nb' AS is_billable,
    CASE
        WHEN pr.runn_project_id IS NULL AND NOT coalesce(pr.is_created, false) THEN
            CASE
                WHEN pr.not_created_reason = 'no client in Harvest' THEN 'project without client'
                ELSE 'project not in Runn'
            END
        WHEN pe.runn_person_id IS NULL AND NOT coalesce(pe.is_created, false) THEN 'person not in Runn'
        WHEN pr.is_archived_in_runn THEN 'project archived in Runn'
        WHEN pe.is_archived_in_runn THEN 'person archived in Runn'
        WHEN pr.is_sync_off THEN 'sync_off'
        WHEN NOT coalesce(pr.is_confirmed, false) THEN 'tentative project'
        WHEN e.spent_date > ctx.today THEN 'after today'
        WHEN coalesce(e.is_running, false) THEN 'running timer'
    END AS exclusion_reason
FROM staging.stg_harvest__time_entries AS e
CROSS JOIN ctx
LEFT JOIN intermediate.int_people AS pe ON pe.harvest_user_id = e.harvest_user_id
LEFT JOIN intermediate.int_projects AS pr ON pr.harvest_project_id = e.harvest_project_id
WHERE ctx.window_from IS NULL OR e.spent_date >= ctx.window_from
