-- Harvest against Runn per Harvest person, Harvest project and week (Monday) of this run, kept
-- per run in plan.* so that analytics.minutes_by_week and `report discrepancies` give the same
-- figures after prune has removed the run's raw extracts. The minutes Harvest has from the
-- window's first day (rounded per entry, R7; time after today is among the excluded), what the
-- run excluded (R9), what Runn held before the run and what it holds once the run's plan is
-- applied. discrepancy is Harvest − excluded − Runn after: zero when Runn agrees with Harvest.
-- Runn actuals on workstreams are left out, as the sync leaves them alone. A Runn person or
-- project counts as the lowest Harvest id its references carry.
-- Built for millions of entries: Harvest's side adds up the whole minutes per entry of
-- intermediate.int_actuals__entries (the window's entries, R7's minutes already computed), and
-- the four sides are stacked and summed per key by one aggregate rather than keyed by a UNION
-- and joined four times.
WITH harvest AS (
    SELECT harvest_user_id, harvest_project_id, date_trunc('week', date)::DATE AS week,
        sum(minutes)::BIGINT AS minutes
    FROM intermediate.int_actuals__entries
    GROUP BY ALL
),
people AS (
    SELECT runn_person_id, list_min(harvest_ids) AS harvest_user_id
    FROM staging.stg_runn__people WHERE len(harvest_ids) > 0
),
projects AS (
    SELECT runn_project_id, list_min(harvest_ids) AS harvest_project_id
    FROM staging.stg_runn__projects WHERE len(harvest_ids) > 0
),
runn_before AS (
    SELECT pe.harvest_user_id, pr.harvest_project_id, date_trunc('week', a.date)::DATE AS week,
        sum(a.billable_minutes + a.nonbillable_minutes)::BIGINT AS minutes
    FROM staging.stg_runn__actuals AS a
    JOIN people AS pe USING (runn_person_id)
    JOIN projects AS pr USING (runn_project_id)
    WHERE a.workstream_id IS NULL
    GROUP BY ALL
),
planned AS (
    -- A write replaces what Runn held on its key: the change is the new minutes less the old.
    SELECT coalesce(c.harvest_user_id, pe.harvest_user_id) AS harvest_user_id,
        coalesce(c.harvest_project_id, pr.harvest_project_id) AS harvest_project_id,
        date_trunc('week', c.date)::DATE AS week,
        sum(c.billable_minutes + c.nonbillable_minutes
            - coalesce(c.runn_billable_minutes, 0) - coalesce(c.runn_nonbillable_minutes, 0))::BIGINT AS minutes
    FROM changes.chg_runn__actuals AS c
    LEFT JOIN people AS pe ON pe.runn_person_id = c.runn_person_id
    LEFT JOIN projects AS pr ON pr.runn_project_id = c.runn_project_id
    GROUP BY ALL
),
excluded AS (
    SELECT harvest_user_id, harvest_project_id, date_trunc('week', date)::DATE AS week,
        sum(minutes)::BIGINT AS minutes
    FROM report.rpt_exclusions GROUP BY ALL
),
-- One row per key and side (each side has a key at most once); NULL where a side has none.
sides AS (
    SELECT harvest_user_id, harvest_project_id, week, minutes AS h, NULL::BIGINT AS b, NULL::BIGINT AS p, NULL::BIGINT AS x FROM harvest
    UNION ALL SELECT harvest_user_id, harvest_project_id, week, NULL, minutes, NULL, NULL FROM runn_before
    UNION ALL SELECT harvest_user_id, harvest_project_id, week, NULL, NULL, minutes, NULL FROM planned
    UNION ALL SELECT harvest_user_id, harvest_project_id, week, NULL, NULL, NULL, minutes FROM excluded
),
keyed AS (
    SELECT harvest_user_id, harvest_project_id, week,
        coalesce(max(h), 0) AS h, coalesce(max(b), 0) AS b, coalesce(max(p), 0) AS p, coalesce(max(x), 0) AS x
    FROM sides
    GROUP BY harvest_user_id, harvest_project_id, week
)
SELECT harvest_user_id, harvest_project_id, week,
    h AS harvest_minutes,
    x AS excluded_minutes,
    b AS runn_minutes_before,
    b + p AS runn_minutes_after,
    h - x - (b + p) AS discrepancy
FROM keyed
