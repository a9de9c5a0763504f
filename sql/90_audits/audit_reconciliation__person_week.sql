-- Nothing is lost silently: for every person and week of the window, the Harvest minutes
-- (rounded per entry, R7) equal the minutes Runn will hold on that person's keys after the run
-- (written now, R10/R12, or already equal and so not written, R14; the zeros of R11 and R13
-- add nothing) plus the minutes excluded (R9). Computed from staging and the plan independently
-- of how the rules got there; it holds on a run that changes nothing too.
-- A person is a Runn person (several Harvest users may carry one Runn person's reference, and
-- their time lands on it together), or a Harvest user without one (-harvest_user_id).
-- Sums are HUGEINT: a person-day of huge entries is excluded ("Implausible time", R7, R9) and must
-- still add up here; an entry too large to count has NULL minutes in staging and in the
-- exclusions, so it weighs nothing on either side.
WITH ctx AS (SELECT * FROM staging.run_context),
people AS (
    SELECT harvest_user_id, coalesce(runn_person_id, -harvest_user_id) AS person_key
    FROM intermediate.int_people
),
harvest AS (
    SELECT coalesce(p.person_key, -e.harvest_user_id) AS person_key, date_trunc('week', e.spent_date) AS week,
        sum(e.minutes)::HUGEINT AS minutes
    FROM staging.stg_harvest__time_entries AS e
    CROSS JOIN ctx
    LEFT JOIN people AS p ON p.harvest_user_id = e.harvest_user_id
    -- From the window's first day, with no upper bound: time after today is excluded (R9). A
    -- run that does not sync actuals (--only) has nothing to reconcile.
    WHERE e.spent_date >= coalesce(ctx.window_from, e.spent_date)
      AND list_contains(ctx.only_kinds, 'actuals')
    GROUP BY ALL
),
written AS (
    SELECT coalesce(a.runn_person_id, -a.harvest_user_id) AS person_key, date_trunc('week', a.date) AS week,
        sum(a.billable_minutes + a.nonbillable_minutes)::HUGEINT AS minutes
    FROM changes.chg_runn__actuals AS a
    GROUP BY ALL
),
equal AS (
    SELECT q.runn_person_id AS person_key, date_trunc('week', q.date) AS week,
        sum(q.billable_minutes + q.nonbillable_minutes)::HUGEINT AS minutes
    FROM report.rpt_actuals_found_equal AS q
    GROUP BY ALL
),
excluded AS (
    SELECT coalesce(p.person_key, -x.harvest_user_id) AS person_key, date_trunc('week', x.date) AS week,
        sum(x.minutes)::HUGEINT AS minutes
    FROM report.rpt_exclusions AS x
    LEFT JOIN people AS p ON p.harvest_user_id = x.harvest_user_id
    GROUP BY ALL
),
weeks AS (
    SELECT person_key, week FROM harvest
    UNION SELECT person_key, week FROM written
    UNION SELECT person_key, week FROM equal
    UNION SELECT person_key, week FROM excluded
)
SELECT w.person_key, w.week,
    coalesce(h.minutes, 0) AS harvest_minutes,
    coalesce(wr.minutes, 0) AS written_minutes,
    coalesce(eq.minutes, 0) AS already_equal_minutes,
    coalesce(x.minutes, 0) AS excluded_minutes
FROM weeks AS w
LEFT JOIN harvest AS h USING (person_key, week)
LEFT JOIN written AS wr USING (person_key, week)
LEFT JOIN equal AS eq USING (person_key, week)
LEFT JOIN excluded AS x USING (person_key, week)
WHERE coalesce(h.minutes, 0) <> coalesce(wr.minutes, 0) + coalesce(eq.minutes, 0) + coalesce(x.minutes, 0)
