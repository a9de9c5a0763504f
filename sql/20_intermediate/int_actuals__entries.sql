-- One row per Harvest time entry of the extract dated from the window's first day on (R10: dates
-- before the window are never touched, so their entries play no part): the Runn person and
-- project it lands on, its whole minutes and the first R9 reason that excludes it before its
-- role is known (roles are settled per person, project and day in
-- intermediate.int_actuals__by_day; 'role Unknown' and 'no role' come from there).
--
-- R7: minutes = round(hours × 60) per entry, half away from zero, from hours at the precision
-- Harvest sent (staging.stg_harvest__time_entries computes them, once for every model). Billable
-- when the entry is billable and the Runn project (or the project created this run, R4) is not
-- 'nb'; otherwise non-billable.
--
-- person_key / project_key identify the Runn record the time lands on: its Runn id, or, for a
-- record this run creates (no Runn id yet), minus its Harvest id. Runn and Harvest ids are
-- positive, so the two never collide, and every later join is on one BIGINT.
--
-- Implausible time (R7, R9): a person's stopped time on one day above 24 h in all (more than
-- 1,440 whole minutes, any projects, whatever else excludes the entries; exactly 1,440 is
-- allowed) is not written: every stopped entry of that person and day is excluded with the
-- reason 'more than 24 h in one day', and intermediate.int_actuals__implausible_days stops R11,
-- R12 and R13 there, so what Runn holds for that person and day stays as it is. Running timers
-- count for nothing (they keep their own reason). Minutes too large to count (NULL, see
-- stg_harvest__time_entries) are over 24 h by themselves; sums are HUGEINT, so nothing overflows.
-- A person is the Runn person the time lands on (several Harvest users may carry one Runn
-- person's reference: their time adds up), else the Harvest user.
--
-- Built for millions of entries (the whole history of a large account): the implausible
-- person-days are an aggregate of the few columns they need, joined back (a window over every
-- entry would sort all their columns), and the entries are read twice from staging rather than
-- kept apart in between (a CTE read twice is materialised: millions of rows of every column).
--
-- Order of the reasons when several apply: more than 24 h in one day (the entry's time itself
-- is wrong, so it says the most), then whether the records exist in Runn, then whether they are
-- archived, then the project's tag and state, then the entry's own date and timer.
WITH ctx AS (
    SELECT today, window_from FROM staging.run_context
),
-- The window's entries, read by both uses below without being materialised.
entries AS NOT MATERIALIZED (
    SELECT e.harvest_entry_id, e.spent_date AS date, e.harvest_user_id, e.harvest_project_id,
        e.minutes, e.billable, coalesce(e.is_running, false) AS is_running
    FROM staging.stg_harvest__time_entries AS e
    CROSS JOIN ctx
    WHERE ctx.window_from IS NULL OR e.spent_date >= ctx.window_from
),
people AS (
    SELECT
        harvest_user_id,
        runn_person_id,
        CASE
            WHEN runn_person_id IS NOT NULL THEN runn_person_id
            WHEN is_created THEN -harvest_user_id
        END AS person_key,
        is_created,
        is_archived_in_runn
    FROM intermediate.int_people
),
-- The implausible person-days.
implausible AS (
    SELECT coalesce(pe.person_key, -e.harvest_user_id) AS person, e.date
    FROM entries AS e
    LEFT JOIN people AS pe ON pe.harvest_user_id = e.harvest_user_id
    WHERE NOT e.is_running
    GROUP BY coalesce(pe.person_key, -e.harvest_user_id), e.date
    HAVING coalesce(bool_or(e.minutes IS NULL) OR sum(e.minutes) > 1440, false)
)
SELECT
    e.harvest_entry_id,
    e.date,
    e.harvest_user_id,
    e.harvest_project_id,
    pe.runn_person_id,
    pr.runn_project_id,
    pe.person_key,
    CASE
        WHEN pr.runn_project_id IS NOT NULL THEN pr.runn_project_id
        WHEN pr.is_created THEN -pr.harvest_project_id
    END AS project_key,
    e.minutes,
    coalesce(e.billable, false) AND coalesce(pr.pricing_model, '') <> 'nb' AS is_billable,
    CASE
        WHEN i.person IS NOT NULL AND NOT e.is_running THEN 'more than 24 h in one day'
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
        WHEN e.date > ctx.today THEN 'after today'
        WHEN e.is_running THEN 'running timer'
    END AS exclusion_reason
FROM entries AS e
CROSS JOIN ctx
LEFT JOIN people AS pe ON pe.harvest_user_id = e.harvest_user_id
LEFT JOIN intermediate.int_projects AS pr ON pr.harvest_project_id = e.harvest_project_id
LEFT JOIN implausible AS i
    ON i.person IS NOT DISTINCT FROM coalesce(pe.person_key, -e.harvest_user_id) AND i.date IS NOT DISTINCT FROM e.date
