-- Harvest against Runn per Harvest person, Harvest project and week (Monday) of this run, kept
-- per run in plan.* so that analytics.minutes_by_week and `report discrepancies` give the same
-- figures after prune has removed the run's raw extracts. The minutes Harvest has from the
-- window's first day (rounded per entry, R7; time after today is among the excluded), what the
-- run excluded (R9), what Runn held before the run and what it holds once the run's plan is
-- applied. discrepancy is Harvest − excluded − Runn after: zero when Runn agrees with Harvest.
-- Runn actuals on workstreams are left out, as the sync leaves them alone. A Runn person or
-- project counts as the lowest Harvest id its references carry.
WITH ctx AS (SELECT window_from FROM staging.run_context),
harvest AS (
    SELECT e.harvest_user_id, e.harvest_project_id, date_trunc('week', e.spent_date)::DATE AS week,
        sum(round(e.hours * 60))::BIGINT AS minutes
    FROM staging.stg_harvest__time_entries AS e
    CROSS JOIN ctx
    WHERE e.spent_date >= coalesce(ctx.window_from, e.spent_date)
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
keys AS (
    SELECT harvest_user_id, harvest_project_id, week FROM harvest
    UNION SELECT harvest_user_id, harvest_project_id, week FROM runn_before
    UNION SELECT harvest_user_id, harvest_project_id, week FROM planned
    UNION SELECT harvest_user_id, harvest_project_id, week FROM excluded
)
SELECT k.harvest_user_id, k.harvest_project_id, k.week,
    coalesce(h.minutes, 0) AS harvest_minutes,
    coalesce(x.minutes, 0) AS excluded_minutes,
    coalesce(b.minutes, 0) AS runn_minutes_before,
    coalesce(b.minutes, 0) + coalesce(p.minutes, 0) AS runn_minutes_after,
    coalesce(h.minutes, 0) - coalesce(x.minutes, 0) - (coalesce(b.minutes, 0) + coalesce(p.minutes, 0)) AS discrepancy
FROM keys AS k
LEFT JOIN harvest AS h USING (harvest_user_id, harvest_project_id, week)
LEFT JOIN runn_before AS b USING (harvest_user_id, harvest_project_id, week)
LEFT JOIN planned AS p USING (harvest_user_id, harvest_project_id, week)
LEFT JOIN excluded AS x USING (harvest_user_id, harvest_project_id, week)
