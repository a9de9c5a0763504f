-- Nothing is lost silently: for every person and week of the window, the Harvest minutes
-- (rounded per entry, R7) equal the minutes Runn will hold on that person's keys after the run
-- (written now, R10/R12, or already equal and so not written, R14; the zeros of R11 and R13
-- add nothing) plus the minutes excluded
-- (R9). Computed from staging and the plan independently of how the rules got there; it holds
-- on a run that changes nothing too.
WITH ctx AS (SELECT * FROM staging.run_context),
harvest AS (
    SELECT e.harvest_user_id, date_trunc('week', e.spent_date) AS week,
        sum(round(e.hours * 60))::BIGINT AS minutes
    FROM staging.stg_harvest__time_entries AS e, ctx
    -- From the window's first day, with no upper bound: time after today is excluded (R9). A
    -- run that does not sync actuals (--only) has nothing to reconcile.
    WHERE e.spent_date >= coalesce(ctx.window_from, e.spent_date)
      AND list_contains(ctx.only_kinds, 'actuals')
    GROUP BY ALL
),
written AS (
    SELECT coalesce(a.harvest_user_id, p.harvest_user_id) AS harvest_user_id, date_trunc('week', a.date) AS week,
        sum(a.billable_minutes + a.nonbillable_minutes)::BIGINT AS minutes
    FROM changes.chg_runn__actuals AS a
    LEFT JOIN intermediate.int_people AS p ON p.runn_person_id = a.runn_person_id
    GROUP BY ALL
),
equal AS (
    SELECT p.harvest_user_id, date_trunc('week', q.date) AS week,
        sum(q.billable_minutes + q.nonbillable_minutes)::BIGINT AS minutes
    FROM report.rpt_actuals_found_equal AS q
    JOIN intermediate.int_people AS p ON p.runn_person_id = q.runn_person_id
    GROUP BY ALL
),
excluded AS (
    SELECT x.harvest_user_id, date_trunc('week', x.date) AS week, sum(x.minutes)::BIGINT AS minutes
    FROM report.rpt_exclusions AS x
    GROUP BY ALL
),
weeks AS (
    SELECT harvest_user_id, week FROM harvest
    UNION SELECT harvest_user_id, week FROM written
    UNION SELECT harvest_user_id, week FROM equal
    UNION SELECT harvest_user_id, week FROM excluded
)
SELECT w.harvest_user_id, w.week,
    coalesce(h.minutes, 0) AS harvest_minutes,
    coalesce(wr.minutes, 0) AS written_minutes,
    coalesce(eq.minutes, 0) AS already_equal_minutes,
    coalesce(x.minutes, 0) AS excluded_minutes
FROM weeks AS w
LEFT JOIN harvest AS h USING (harvest_user_id, week)
LEFT JOIN written AS wr USING (harvest_user_id, week)
LEFT JOIN equal AS eq USING (harvest_user_id, week)
LEFT JOIN excluded AS x USING (harvest_user_id, week)
WHERE coalesce(h.minutes, 0) <> coalesce(wr.minutes, 0) + coalesce(eq.minutes, 0) + coalesce(x.minutes, 0)
