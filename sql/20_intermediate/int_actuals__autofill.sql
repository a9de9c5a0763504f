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
-- Days are generated only at the end, once, and only those that remain: assignments of one
-- (person, project, role) are merged into disjoint spans, spans are cut by the person's contract
-- segments (stretches of days with one contract in force), and each piece becomes its weeks, each
-- with a mask of the weekdays it covers and the contract rosters (bit 0 Monday to bit 4 Friday).
-- The Runn and Harvest keys and the implausible days are folded into the same masks per week, so
-- that the whole history of a large account (millions of days, millions of keys) is compared week
-- by week with a fifth of the rows, through joins and an aggregate that fit in a small memory
-- limit, instead of two anti-joins whose hash tables over millions of keys cannot spill.
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
-- The weeks of each piece, with the rostered weekdays it covers. Pieces of one (person,
-- project, role) are disjoint, so two pieces sharing a week have disjoint masks.
piece_weeks AS (
    SELECT
        runn_person_id, runn_project_id, runn_role_id, first_day, last_day, minutes,
        unnest(generate_series(date_trunc('week', first_day)::DATE, last_day, INTERVAL 7 DAY))::DATE AS week
    FROM pieces
),
candidate_weeks AS (
    SELECT
        runn_person_id, runn_project_id, runn_role_id, week,
        (CASE WHEN week BETWEEN first_day AND last_day AND minutes[1] > 0 THEN 1 ELSE 0 END)
            | (CASE WHEN week + 1 BETWEEN first_day AND last_day AND minutes[2] > 0 THEN 2 ELSE 0 END)
            | (CASE WHEN week + 2 BETWEEN first_day AND last_day AND minutes[3] > 0 THEN 4 ELSE 0 END)
            | (CASE WHEN week + 3 BETWEEN first_day AND last_day AND minutes[4] > 0 THEN 8 ELSE 0 END)
            | (CASE WHEN week + 4 BETWEEN first_day AND last_day AND minutes[5] > 0 THEN 16 ELSE 0 END) AS days
    FROM piece_weeks
),
-- Weekdays with an actual in Runn (without workstream, any minutes) or time in Harvest (even a
-- 0 sum), per (person, project, role) and week.
taken AS (
    SELECT date, runn_person_id, runn_project_id, runn_role_id FROM intermediate.int_actuals__runn_keys
    UNION ALL
    SELECT date, runn_person_id, runn_project_id, runn_role_id FROM intermediate.int_actuals__harvest_keys
),
taken_weeks AS (
    SELECT
        runn_person_id, runn_project_id, runn_role_id,
        date_trunc('week', date)::DATE AS week,
        bit_or(1 << (isodow(date) - 1)) AS days
    FROM taken
    WHERE isodow(date) <= 5
    GROUP BY runn_person_id, runn_project_id, runn_role_id, date_trunc('week', date)::DATE
),
implausible_weeks AS (
    SELECT
        runn_person_id,
        date_trunc('week', date)::DATE AS week,
        bit_or(1 << (isodow(date) - 1)) AS days
    FROM intermediate.int_actuals__implausible_days
    WHERE isodow(date) <= 5
    GROUP BY runn_person_id, date_trunc('week', date)::DATE
),
free_weeks AS (
    SELECT
        c.runn_person_id, c.runn_project_id, c.runn_role_id, c.week,
        c.days & ~coalesce(t.days, 0) & ~coalesce(i.days, 0) AS days
    FROM candidate_weeks AS c
    LEFT JOIN taken_weeks AS t
        ON t.runn_person_id = c.runn_person_id AND t.runn_project_id = c.runn_project_id
        AND t.runn_role_id = c.runn_role_id AND t.week = c.week
    LEFT JOIN implausible_weeks AS i
        ON i.runn_person_id = c.runn_person_id AND i.week = c.week
),
free_days AS (
    SELECT runn_person_id, runn_project_id, runn_role_id, (week + weekday::INTEGER) AS date
    FROM (
        SELECT *, unnest(range(5)) AS weekday
        FROM free_weeks
        WHERE days <> 0
    )
    WHERE (days >> weekday) & 1 = 1
)
SELECT
    c.date,
    c.runn_person_id,
    pe.harvest_user_id,
    c.runn_project_id,
    pr.harvest_project_id,
    c.runn_role_id
FROM free_days AS c
JOIN intermediate.int_actuals__writable_people AS pe ON pe.runn_person_id = c.runn_person_id
JOIN intermediate.int_actuals__writable_projects AS pr ON pr.runn_project_id = c.runn_project_id
