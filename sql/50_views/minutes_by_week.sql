-- Harvest against Runn, per run, Harvest person, Harvest project and week (Monday), with the
-- person's and project's names: the minutes Harvest has from the run's window's first day (rounded
-- per entry, R7; time after today is among the excluded), what Runn held before the run, what the
-- run excluded (R9), and what Runn holds after the run's plan is applied. `discrepancy` is
-- Harvest − excluded − Runn after: zero when Runn agrees with Harvest.
--
-- Runs transformed since the history models were added read what the transform kept in plan.*
-- (plan.rpt_minutes_by_week, plan.rpt_names), which prune never removes. Older runs (no row in
-- plan.rpt_run_summary) are computed from their raw extracts as before, while those remain; once
-- pruned they are left out rather than shown as false discrepancies.
WITH runs AS (
    SELECT h.run_id, h.extract_id AS harvest_extract_id, r.extract_id AS runn_extract_id, m.today,
        try_cast(json_extract_string(m.options, '$.window_from') AS DATE) AS window_from
    FROM meta.usable_extracts AS h
    JOIN meta.usable_extracts AS r ON r.run_id = h.run_id AND r.source = 'runn'
    JOIN meta.runs AS m ON m.run_id = h.run_id
    WHERE h.source = 'harvest'
      AND h.run_id NOT IN (SELECT run_id FROM plan.rpt_run_summary)
),
entries AS (
    SELECT runs.run_id, e.user_id, e.project_id, e.spent_date,
        -- Hours too large to count are NULL, as in stg_harvest__time_entries (R7, "Implausible time").
        CASE WHEN abs(e.hours::DOUBLE) * 60 < 1e15 THEN round(e.hours::DECIMAL(38, 18) * 60) END AS minutes
    FROM raw.harvest_time_entries AS e
    JOIN runs ON e.extract_id = runs.harvest_extract_id
    WHERE e.spent_date >= coalesce(runs.window_from, e.spent_date)
    QUALIFY row_number() OVER (PARTITION BY e.extract_id, e.id ORDER BY e.updated_at DESC) = 1
),
harvest AS (
    SELECT run_id, user_id AS harvest_user_id, project_id AS harvest_project_id,
        date_trunc('week', spent_date)::DATE AS week, sum(minutes)::BIGINT AS minutes
    FROM entries GROUP BY ALL
),
people AS (
    SELECT p.extract_id, p.id, min(try_cast(trim(r.external_id) AS BIGINT)) AS harvest_user_id
    FROM raw.runn_people AS p, unnest(p."references") AS u(r)
    WHERE lower(trim(r.reference_name)) = 'harvest'
    GROUP BY ALL
),
projects AS (
    SELECT p.extract_id, p.id, min(try_cast(trim(r.external_id) AS BIGINT)) AS harvest_project_id
    FROM raw.runn_projects AS p, unnest(p."references") AS u(r)
    WHERE lower(trim(r.reference_name)) = 'harvest'
    GROUP BY ALL
),
runn_actuals AS (
    SELECT runs.run_id, a.*
    FROM raw.runn_actuals AS a
    JOIN runs ON a.extract_id = runs.runn_extract_id
    WHERE a.workstream_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY a.extract_id, a.id ORDER BY a.updated_at DESC) = 1
),
runn_before AS (
    SELECT a.run_id, pe.harvest_user_id, pr.harvest_project_id, date_trunc('week', a.date)::DATE AS week,
        sum(a.billable_minutes + a.nonbillable_minutes)::BIGINT AS minutes
    FROM runn_actuals AS a
    JOIN people AS pe ON pe.extract_id = a.extract_id AND pe.id = a.person_id
    JOIN projects AS pr ON pr.extract_id = a.extract_id AND pr.id = a.project_id
    GROUP BY ALL
),
planned AS (
    -- A write replaces what Runn held on its key: the change is the new minutes less the old.
    SELECT c.run_id,
        coalesce(c.harvest_user_id, pe.harvest_user_id) AS harvest_user_id,
        coalesce(c.harvest_project_id, pr.harvest_project_id) AS harvest_project_id,
        date_trunc('week', c.date)::DATE AS week,
        sum(c.billable_minutes + c.nonbillable_minutes
            - coalesce(c.runn_billable_minutes, 0) - coalesce(c.runn_nonbillable_minutes, 0))::BIGINT AS minutes
    FROM plan.chg_runn__actuals AS c
    JOIN runs ON runs.run_id = c.run_id
    LEFT JOIN people AS pe ON pe.extract_id = runs.runn_extract_id AND pe.id = c.runn_person_id
    LEFT JOIN projects AS pr ON pr.extract_id = runs.runn_extract_id AND pr.id = c.runn_project_id
    GROUP BY ALL
),
excluded AS (
    SELECT run_id, harvest_user_id, harvest_project_id, date_trunc('week', date)::DATE AS week,
        sum(minutes)::BIGINT AS minutes
    -- Only runs whose extracts remain: a pruned run's exclusions alone would read as discrepancies.
    FROM plan.rpt_exclusions WHERE run_id IN (SELECT run_id FROM runs) GROUP BY ALL
),
keys AS (
    SELECT run_id, harvest_user_id, harvest_project_id, week FROM harvest
    UNION SELECT run_id, harvest_user_id, harvest_project_id, week FROM runn_before
    UNION SELECT run_id, harvest_user_id, harvest_project_id, week FROM planned
    UNION SELECT run_id, harvest_user_id, harvest_project_id, week FROM excluded
),
legacy AS (
    SELECT k.run_id, k.harvest_user_id, k.harvest_project_id, k.week,
        coalesce(h.minutes, 0) AS harvest_minutes,
        coalesce(x.minutes, 0) AS excluded_minutes,
        coalesce(b.minutes, 0) AS runn_minutes_before,
        coalesce(b.minutes, 0) + coalesce(p.minutes, 0) AS runn_minutes_after,
        coalesce(h.minutes, 0) - coalesce(x.minutes, 0) - (coalesce(b.minutes, 0) + coalesce(p.minutes, 0)) AS discrepancy
    FROM keys AS k
    LEFT JOIN harvest AS h USING (run_id, harvest_user_id, harvest_project_id, week)
    LEFT JOIN runn_before AS b USING (run_id, harvest_user_id, harvest_project_id, week)
    LEFT JOIN planned AS p USING (run_id, harvest_user_id, harvest_project_id, week)
    LEFT JOIN excluded AS x USING (run_id, harvest_user_id, harvest_project_id, week)
),
legacy_people AS (
    SELECT DISTINCT ON (runs.run_id, u.id) runs.run_id, u.id AS harvest_user_id,
        nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') AS name
    FROM raw.harvest_users AS u JOIN runs ON u.extract_id = runs.harvest_extract_id
    ORDER BY runs.run_id, u.id, u.updated_at DESC
),
legacy_projects AS (
    SELECT DISTINCT ON (runs.run_id, p.id) runs.run_id, p.id AS harvest_project_id, p.name
    FROM raw.harvest_projects AS p JOIN runs ON p.extract_id = runs.harvest_extract_id
    ORDER BY runs.run_id, p.id, p.updated_at DESC
)
SELECT m.run_id, m.harvest_user_id, pe.name AS person_name, m.harvest_project_id, pr.name AS project_name, m.week,
    m.harvest_minutes, m.excluded_minutes, m.runn_minutes_before, m.runn_minutes_after, m.discrepancy
FROM plan.rpt_minutes_by_week AS m
LEFT JOIN plan.rpt_names AS pe ON pe.run_id = m.run_id AND pe.kind = 'person' AND pe.harvest_id = m.harvest_user_id
LEFT JOIN plan.rpt_names AS pr ON pr.run_id = m.run_id AND pr.kind = 'project' AND pr.harvest_id = m.harvest_project_id
WHERE m.run_id IN (SELECT run_id FROM plan.rpt_run_summary)
UNION ALL
SELECT l.run_id, l.harvest_user_id, pe.name, l.harvest_project_id, pr.name, l.week,
    l.harvest_minutes, l.excluded_minutes, l.runn_minutes_before, l.runn_minutes_after, l.discrepancy
FROM legacy AS l
LEFT JOIN legacy_people AS pe USING (run_id, harvest_user_id)
LEFT JOIN legacy_projects AS pr USING (run_id, harvest_project_id)
