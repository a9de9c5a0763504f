-- R13: the actuals autofill writes with 0 minutes, one row per (person, project, role, day).
-- Days: Monday to Friday of completed weeks (a week is completed when its Sunday is before
-- today: today a Sunday, that week is not), inside the window. Assignments: active, not
-- placeholder, template or non-working day, minutesPerDay > 0, with a role other than Unknown,
-- covering the day, of a person who carries a Harvest user's reference and is not archived in
-- Runn, on a project that carries a Harvest project's reference and is not excluded (sync_off,
-- tentative, archived in Runn). The person's contract in force on the day (latest start, then
-- highest id; no fallback, unlike R8) must roster that weekday (rostered minutes > 0: its
-- minutesPerDay alone rosters nothing). And neither Runn (an actual without workstream, any
-- minutes) nor Harvest (intermediate.int_actuals__harvest_keys, even a 0 sum) has an actual for
-- the key. Nor on a day whose Harvest time of the person is above 24 h in all
-- (intermediate.int_actuals__implausible_days, R7, R9): what Runn holds for that person and day
-- stays as it is. Empty when autofill is off. People and projects created this run have no Runn
-- assignment yet, so they never appear here.
--
-- Days are generated only at the end, once: assignments of one (person, project, role) are
-- merged into disjoint spans, and spans are cut by the person's contract segments (stretches of
-- days with one contract in force), so that every generated day is a distinct candidate that
-- already knows its rostered minutes. The whole history of a large account is millions of days;
-- nothing then needs a DISTINCT or a per-day join but the two anti-joins.
WITH ctx AS (
    SELECT
        autofill,
        window_from,
        -- The Sunday before the Monday of today's week: the last day of the last completed week.
        date_trunc('week', today)::DATE - 1 AS last_day
    FROM staging.run_context
),
assignments AS (
    SELECT
        a.runn_person_id,
        a.runn_project_id,
        a.runn_role_id,
        greatest(a.start_date, coalesce(ctx.window_from, a.start_date)) AS first_day,
        least(coalesce(a.end_date, ctx.last_day), ctx.last_day) AS last_day
    FROM staging.stg_runn__assignments AS a
    CROSS JOIN ctx
    LEFT JOIN intermediate.int_roles AS r ON r.runn_role_id = a.runn_role_id
    WHERE ctx.autofill
        AND coalesce(a.is_active, false)
        AND NOT coalesce(a.is_placeholder, false)
        AND NOT coalesce(a.is_template, false)
        AND NOT coalesce(a.is_non_working_day, false)
        AND a.minutes_per_day > 0
        AND NOT coalesce(r.is_unknown, false)
        AND a.runn_person_id IN (SELECT runn_person_id FROM intermediate.int_actuals__writable_people)
        AND a.runn_project_id IN (SELECT runn_project_id FROM intermediate.int_actuals__writable_projects)
),
-- Islands of overlapping assignments per (person, project, role): a new span starts where an
-- assignment starts after every earlier one has ended.
reach AS (
    SELECT
        *,
        max(last_day) OVER (
            PARTITION BY runn_person_id, runn_project_id, runn_role_id ORDER BY first_day, last_day
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS reached
    FROM assignments
    WHERE first_day <= last_day
),
numbered AS (
    SELECT
        *,
        sum(CASE WHEN reached IS NULL OR first_day > reached THEN 1 ELSE 0 END) OVER (
            PARTITION BY runn_person_id, runn_project_id, runn_role_id ORDER BY first_day, last_day
            ROWS UNBOUNDED PRECEDING
        ) AS span
    FROM reach
),
spans AS (
    SELECT runn_person_id, runn_project_id, runn_role_id, min(first_day) AS first_day, max(last_day) AS last_day
    FROM numbered
    GROUP BY runn_person_id, runn_project_id, runn_role_id, span
),
-- A person's contract segments: between two consecutive contract boundaries (a start, or the
-- day after an end) the same contracts are in force, so the one that counts is fixed.
bounds AS (
    SELECT runn_person_id, start_date AS first_day FROM staging.stg_runn__contracts
    UNION
    SELECT runn_person_id, end_date + 1 FROM staging.stg_runn__contracts WHERE end_date IS NOT NULL
),
segments AS (
    SELECT
        runn_person_id,
        first_day,
        lead(first_day) OVER (PARTITION BY runn_person_id ORDER BY first_day) - 1 AS last_day
    FROM bounds
),
rostered AS (
    SELECT
        s.runn_person_id,
        s.first_day,
        s.last_day,
        [c.rostered_monday, c.rostered_tuesday, c.rostered_wednesday, c.rostered_thursday, c.rostered_friday] AS minutes
    FROM segments AS s
    JOIN staging.stg_runn__contracts AS c
        ON c.runn_person_id = s.runn_person_id
        AND c.start_date <= s.first_day AND (c.end_date IS NULL OR s.first_day <= c.end_date)
    QUALIFY row_number() OVER (PARTITION BY s.runn_person_id, s.first_day ORDER BY c.start_date DESC, c.runn_contract_id DESC) = 1
),
pieces AS (
    SELECT
        p.runn_person_id,
        p.runn_project_id,
        p.runn_role_id,
        greatest(p.first_day, r.first_day) AS first_day,
        least(p.last_day, coalesce(r.last_day, p.last_day)) AS last_day,
        r.minutes
    FROM spans AS p
    JOIN rostered AS r
        ON r.runn_person_id = p.runn_person_id
        AND r.first_day <= p.last_day AND (r.last_day IS NULL OR p.first_day <= r.last_day)
),
candidates AS (
    SELECT runn_person_id, runn_project_id, runn_role_id, date
    FROM (
        SELECT
            runn_person_id, runn_project_id, runn_role_id, minutes,
            unnest(generate_series(first_day, last_day, INTERVAL 1 DAY))::DATE AS date
        FROM pieces
    )
    WHERE isodow(date) <= 5 AND minutes[isodow(date)] > 0
)
SELECT
    c.date,
    c.runn_person_id,
    pe.harvest_user_id,
    c.runn_project_id,
    pr.harvest_project_id,
    c.runn_role_id
FROM candidates AS c
JOIN intermediate.int_actuals__writable_people AS pe ON pe.runn_person_id = c.runn_person_id
JOIN intermediate.int_actuals__writable_projects AS pr ON pr.runn_project_id = c.runn_project_id
ANTI JOIN intermediate.int_actuals__runn_keys AS r
    ON r.date = c.date AND r.runn_person_id = c.runn_person_id
    AND r.runn_project_id = c.runn_project_id AND r.runn_role_id = c.runn_role_id
ANTI JOIN intermediate.int_actuals__harvest_keys AS h
    ON h.date = c.date AND h.runn_person_id = c.runn_person_id
    AND h.runn_project_id = c.runn_project_id AND h.runn_role_id = c.runn_role_id
ANTI JOIN intermediate.int_actuals__implausible_days AS i
    ON i.date = c.date AND i.runn_person_id = c.runn_person_id
