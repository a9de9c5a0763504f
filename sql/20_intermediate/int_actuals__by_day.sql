-- Harvest's time per (person, project, day) in the window, with the role R8 gives it: one row
-- per day with stopped time that R9 lets through so far (intermediate.int_actuals__entries:
-- stopped, in Runn or created this run, not archived, not sync_off, not tentative, not after
-- today). The day's entries are summed here (R7: whole minutes per entry, billable or not), and
-- since the role is one per day, each row is one actual key once its role is known.
-- R8, the first rule giving one role wins:
--   (a) the distinct roles of the person's assignments on the project covering the day, when
--       exactly one;
--   (b) the distinct roles of all their assignments on the project, whatever the dates, when
--       exactly one;
--   (c) the role of their contract in force on the day (latest start, then highest id); none:
--       the contract in force today; none today: the latest start (then highest id).
-- Assignments count when active and neither placeholders nor templates (non-working-day ones
-- count: only R13 leaves them out). A person created this run has no assignment yet and one
-- contract, the one their creation makes (R5, R6): from contract_start_date, open-ended, with
-- the role of int_people (role_key alone when that role is created this run too).
-- runn_role_id and role_key both NULL: no contract at all ('no role', R9); is_unknown: Runn's
-- Unknown ('role Unknown', R9). Both block the day's time.
-- person_key / project_key are those of int_actuals__entries (a Runn id, or minus the Harvest id
-- of a record created this run). harvest_user_id / harvest_project_id are the lowest Harvest ids
-- whose time reached the day (several Harvest records may carry one Runn record's reference).
-- Per day rather than per entry, and (b) and (c)'s fallbacks per person: the costly joins run
-- on as few rows as the rule needs. The contracts (c) are looked up only for the days (a) and
-- (b) leave undecided, not for each of the millions of person-days of a whole history.
WITH ctx AS (
    SELECT today FROM staging.run_context
),
days AS (
    SELECT
        person_key,
        project_key,
        date,
        min(harvest_user_id) AS harvest_user_id,
        any_value(runn_person_id) AS runn_person_id,
        min(harvest_project_id) AS harvest_project_id,
        any_value(runn_project_id) AS runn_project_id,
        sum(CASE WHEN is_billable THEN minutes ELSE 0 END)::BIGINT AS billable_minutes,
        sum(CASE WHEN is_billable THEN 0 ELSE minutes END)::BIGINT AS nonbillable_minutes,
        count(*) AS entries
    FROM intermediate.int_actuals__entries
    WHERE exclusion_reason IS NULL
    GROUP BY person_key, project_key, date
),
assignments AS (
    SELECT runn_person_id, runn_project_id, runn_role_id, start_date, end_date
    FROM staging.stg_runn__assignments
    WHERE coalesce(is_active, false)
        AND NOT coalesce(is_placeholder, false)
        AND NOT coalesce(is_template, false)
),
-- "Exactly one distinct role" is min = max (both skip NULL), cheaper than count(DISTINCT).
rule_a AS (
    SELECT d.person_key, d.project_key, d.date,
        min(a.runn_role_id) = max(a.runn_role_id) AS one_role, min(a.runn_role_id) AS runn_role_id
    FROM days AS d
    JOIN assignments AS a
        ON a.runn_person_id = d.person_key AND a.runn_project_id = d.project_key
        AND a.start_date <= d.date AND (a.end_date IS NULL OR d.date <= a.end_date)
    GROUP BY d.person_key, d.project_key, d.date
),
rule_b AS (
    SELECT runn_person_id, runn_project_id,
        min(runn_role_id) = max(runn_role_id) AS one_role, min(runn_role_id) AS runn_role_id
    FROM assignments
    GROUP BY runn_person_id, runn_project_id
),
-- Runn's contracts, and the one each person created this run gets.
contracts AS (
    SELECT c.runn_person_id AS person_key, c.runn_contract_id, c.start_date, c.end_date,
        c.runn_role_id, NULL::VARCHAR AS role_key, coalesce(r.is_unknown, false) AS is_unknown
    FROM staging.stg_runn__contracts AS c
    LEFT JOIN intermediate.int_roles AS r ON r.runn_role_id = c.runn_role_id
    UNION ALL
    SELECT -p.harvest_user_id, 0, p.contract_start_date, NULL,
        p.runn_role_id, CASE WHEN p.runn_role_id IS NULL THEN p.role_key END,
        coalesce(p.is_unknown_role OR p.role_key = 'unknown', false)
    FROM intermediate.int_people AS p
    WHERE p.is_created AND p.runn_person_id IS NULL
),
-- The days (a) and (b) decide, and the others: the contracts are looked up for those alone.
by_assignment AS (
    SELECT
        d.*,
        CASE
            WHEN a.one_role THEN 'R8 (a): the assignment covering the day'
            WHEN b.one_role THEN 'R8 (b): the only role of the assignments on the project'
        END AS assignment_source,
        CASE WHEN a.one_role THEN a.runn_role_id WHEN b.one_role THEN b.runn_role_id END AS assignment_role_id
    FROM days AS d
    LEFT JOIN rule_a AS a
        ON a.person_key = d.person_key AND a.project_key = d.project_key AND a.date = d.date
    LEFT JOIN rule_b AS b
        ON b.runn_person_id = d.person_key AND b.runn_project_id = d.project_key
),
person_days AS (
    SELECT DISTINCT person_key, date FROM by_assignment WHERE assignment_source IS NULL
),
contract_on_day AS (
    SELECT pd.person_key, pd.date, c.runn_role_id, c.role_key, c.is_unknown
    FROM person_days AS pd
    JOIN contracts AS c
        ON c.person_key = pd.person_key
        AND c.start_date <= pd.date AND (c.end_date IS NULL OR pd.date <= c.end_date)
    QUALIFY row_number() OVER (PARTITION BY pd.person_key, pd.date ORDER BY c.start_date DESC, c.runn_contract_id DESC) = 1
),
contract_fallback AS (
    SELECT c.person_key, c.runn_role_id, c.role_key, c.is_unknown,
        c.start_date <= ctx.today AND (c.end_date IS NULL OR ctx.today <= c.end_date) AS in_force_today
    FROM contracts AS c
    CROSS JOIN ctx
    WHERE c.person_key IN (SELECT person_key FROM person_days)
    QUALIFY row_number() OVER (PARTITION BY c.person_key ORDER BY in_force_today DESC, c.start_date DESC, c.runn_contract_id DESC) = 1
),
resolved AS (
    SELECT
        d.* EXCLUDE (assignment_source, assignment_role_id),
        CASE
            WHEN d.assignment_source IS NOT NULL THEN d.assignment_source
            WHEN cd.person_key IS NOT NULL THEN 'R8 (c): the contract in force on the day'
            WHEN cf.in_force_today THEN 'R8 (c): the contract in force today'
            WHEN cf.person_key IS NOT NULL THEN 'R8 (c): the contract starting last'
        END AS role_source,
        CASE
            WHEN d.assignment_source IS NOT NULL THEN d.assignment_role_id
            WHEN cd.person_key IS NOT NULL THEN cd.runn_role_id
            ELSE cf.runn_role_id
        END AS runn_role_id,
        CASE
            WHEN d.assignment_source IS NOT NULL THEN NULL
            WHEN cd.person_key IS NOT NULL THEN cd.role_key
            ELSE cf.role_key
        END AS role_key,
        CASE
            WHEN d.assignment_source IS NOT NULL THEN NULL
            WHEN cd.person_key IS NOT NULL THEN cd.is_unknown
            ELSE cf.is_unknown
        END AS contract_is_unknown
    FROM by_assignment AS d
    LEFT JOIN contract_on_day AS cd ON cd.person_key = d.person_key AND cd.date = d.date
    LEFT JOIN contract_fallback AS cf ON cf.person_key = d.person_key
)
SELECT
    s.date,
    s.person_key,
    s.project_key,
    s.harvest_user_id,
    s.runn_person_id,
    s.harvest_project_id,
    s.runn_project_id,
    s.runn_role_id,
    s.role_key,
    s.role_source,
    coalesce(s.contract_is_unknown, r.is_unknown, false) AS is_unknown,
    s.billable_minutes,
    s.nonbillable_minutes,
    s.entries
FROM resolved AS s
LEFT JOIN intermediate.int_roles AS r ON r.runn_role_id = s.runn_role_id
