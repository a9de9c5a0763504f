-- R17 (b) and (c), the safety stops a plan is checked against before load: one row per listing
-- compared (R17 b) and one for the plan's zeroes (R17 c), tripped or not, so that the figures are
-- there to read either way. The load stops a run when any row is tripped, unless
-- --allow-large-changes lifts (b) and (c) for that run. The columns are a contract with the
-- pipelines (SELECT * FROM plan.rpt_safety_checks WHERE run_id = ? AND tripped):
--   stop                 'R17b' or 'R17c'
--   source               'runn', 'harvest' or 'plan'
--   listing              R17b runn: roles, clients, projects, people, assignments, contracts,
--                        actuals; R17b harvest: time_entries; R17c: owned_keys
--   previous_extract_id  the last usable extract compared with; NULL when there is none (a
--                        first run, or every earlier extract failed or was pruned): then the
--                        row is never tripped. Always NULL for R17c.
--   expected             R17b: the count in the previous extract; R17c: the keys harvest2runn
--                        holds in the window
--   got                  R17b: the count now; R17c: the keys the plan zeroes by R11
--   tripped, detail      whether the stop applies, and one sentence with the figures
--
-- R17 (b): a source shrank implausibly. "The last usable snapshot" of a source is its latest
-- extract in meta.usable_extracts (succeeded: neither failed, nor running, nor pruned, whose raw
-- rows are gone) older than this run's (lower extract_id), of a run no safety stop halted. Records
-- are counted by distinct id (a record seen on two pages while Runn or Harvest paged counts
-- once), every record the listing sent
-- (archived, placeholders and workstream actuals included: the question is whether the listing
-- is whole, not what the rules make of it). Runn actuals and Harvest time entries are read for a
-- window, so only dates both extracts cover count (window_from NULL: the whole history;
-- window_to NULL: no end): a run with a shorter lookback than the last one is no shrink.
-- Tripped when the count now is less than half of the previous one (exactly half is not) and
-- at least 10 records fewer (Runn) or 50 entries fewer (Harvest).
-- What harvest2runn itself put into Runn after the previous snapshot was taken (records it
-- created or adopted, actual keys it wrote, not in that snapshot) is added to what Runn is
-- expected to hold: Runn holds them now unless a user removed them. Without it, the run after a
-- first sync would compare with the Runn of before that sync, and an empty listing of the
-- people or actuals it had just written would pass.
--
-- R17 (c): the plan zeroes (R11 rows of changes.chg_runn__actuals) more than 10 % of the keys
-- harvest2runn holds in the window and more than 20 of them: got * 10 > expected AND got > 20.
-- "The keys harvest2runn holds" are intermediate.int_actuals__owned_keys (its latest record of
-- the key, written or found equal, holds minutes > 0) on which Runn's snapshot still holds
-- minutes > 0. That model does not look at Runn; this one does, because R11 zeroes only such
-- keys: an owned key a user already deleted or zeroed in Runn can never be zeroed, and counting
-- it would dilute the share, letting a mass deletion pass as a small one.
WITH ctx AS (
    SELECT harvest_extract_id, runn_extract_id FROM staging.run_context
),
current_extracts AS (
    SELECT e.source, e.extract_id, e.window_from, e.window_to
    FROM meta.extracts AS e
    JOIN ctx ON e.extract_id = CASE e.source WHEN 'harvest' THEN ctx.harvest_extract_id ELSE ctx.runn_extract_id END
),
previous_ids AS (
    SELECT c.source, max(u.extract_id) AS extract_id
    FROM current_extracts AS c
    JOIN meta.usable_extracts AS u ON u.source = c.source AND u.extract_id < c.extract_id
    -- An extract whose run a safety stop halted is the suspect, not the baseline: two nights of
    -- the same empty listing must not make the second look normal.
    WHERE u.run_id NOT IN (SELECT run_id FROM meta.safety_stops WHERE NOT lifted)
    GROUP BY c.source
),
-- Per source: this run's extract, the previous usable one, and the dates both cover (with no
-- previous extract, the dates this one covers). greatest and least skip a NULL, which here
-- means "no bound".
pairs AS (
    SELECT
        c.source,
        c.extract_id AS current_extract_id,
        p.extract_id AS previous_extract_id,
        greatest(c.window_from, p.window_from) AS covered_from,
        least(c.window_to, p.window_to) AS covered_to
    FROM current_extracts AS c
    LEFT JOIN previous_ids AS i ON i.source = c.source
    LEFT JOIN meta.usable_extracts AS p ON p.extract_id = i.extract_id
),
listings AS (
    SELECT *
    FROM (VALUES
        ('runn', 'roles', 10), ('runn', 'clients', 10), ('runn', 'projects', 10), ('runn', 'people', 10),
        ('runn', 'assignments', 10), ('runn', 'contracts', 10), ('runn', 'actuals', 10),
        ('harvest', 'time_entries', 50)
    ) AS l(source, listing, at_least_fewer)
),
-- The two Runn extracts compared (raw.* holds every run's that was not pruned).
runn_ids AS (
    SELECT current_extract_id AS extract_id FROM pairs WHERE source = 'runn'
    UNION
    SELECT previous_extract_id FROM pairs WHERE source = 'runn' AND previous_extract_id IS NOT NULL
),
counted AS (
    SELECT 'roles' AS listing, extract_id, count(DISTINCT id) AS records
    FROM raw.runn_roles WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'clients', extract_id, count(DISTINCT id)
    FROM raw.runn_clients WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'projects', extract_id, count(DISTINCT id)
    FROM raw.runn_projects WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'people', extract_id, count(DISTINCT id)
    FROM raw.runn_people WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'assignments', extract_id, count(DISTINCT id)
    FROM raw.runn_assignments WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'contracts', extract_id, count(DISTINCT id)
    FROM raw.runn_contracts WHERE extract_id IN (SELECT extract_id FROM runn_ids) GROUP BY extract_id
    UNION ALL
    SELECT 'actuals', a.extract_id, count(DISTINCT a.id)
    FROM raw.runn_actuals AS a
    JOIN pairs AS p ON p.source = 'runn' AND a.extract_id IN (p.current_extract_id, p.previous_extract_id)
    WHERE a.date >= coalesce(p.covered_from, a.date) AND a.date <= coalesce(p.covered_to, a.date)
    GROUP BY a.extract_id
    UNION ALL
    SELECT 'time_entries', e.extract_id, count(DISTINCT e.id)
    FROM raw.harvest_time_entries AS e
    JOIN pairs AS p ON p.source = 'harvest' AND e.extract_id IN (p.current_extract_id, p.previous_extract_id)
    WHERE e.spent_date >= coalesce(p.covered_from, e.spent_date) AND e.spent_date <= coalesce(p.covered_to, e.spent_date)
    GROUP BY e.extract_id
),
-- The previous Runn extract, and the time span in which what harvest2runn wrote lands between
-- the two snapshots: after the previous one finished, before this one started (a write after
-- this snapshot cannot be in it).
previous_runn AS (
    SELECT p.previous_extract_id AS extract_id, e.finished_at, c.started_at AS until,
        p.covered_from, p.covered_to
    FROM pairs AS p
    JOIN meta.extracts AS e ON e.extract_id = p.previous_extract_id
    JOIN meta.extracts AS c ON c.extract_id = p.current_extract_id
    WHERE p.source = 'runn'
),
previous_runn_ids AS (
    SELECT 'role' AS kind, id FROM raw.runn_roles WHERE extract_id = (SELECT extract_id FROM previous_runn)
    UNION ALL SELECT 'client', id FROM raw.runn_clients WHERE extract_id = (SELECT extract_id FROM previous_runn)
    UNION ALL SELECT 'project', id FROM raw.runn_projects WHERE extract_id = (SELECT extract_id FROM previous_runn)
    UNION ALL SELECT 'person', id FROM raw.runn_people WHERE extract_id = (SELECT extract_id FROM previous_runn)
),
landed AS (
    SELECT w.kind || 's' AS listing, count(DISTINCT w.runn_id) AS records
    FROM audit.write_log AS w, previous_runn AS p
    WHERE w.mode = 'apply' AND w.status = 'confirmed' AND w.kind IN ('role', 'client', 'project')
        AND w.runn_id IS NOT NULL AND w.recorded_at > p.finished_at AND w.recorded_at < p.until
        AND NOT EXISTS (SELECT 1 FROM previous_runn_ids AS i WHERE i.kind = w.kind AND i.id = w.runn_id)
    GROUP BY w.kind
    UNION ALL
    SELECT 'people', count(DISTINCT w.runn_id)
    FROM audit.write_log AS w, previous_runn AS p
    WHERE w.mode = 'apply' AND w.status = 'confirmed' AND w.kind = 'person'
        AND w.runn_id IS NOT NULL AND w.recorded_at > p.finished_at AND w.recorded_at < p.until
        AND NOT EXISTS (SELECT 1 FROM previous_runn_ids AS i WHERE i.kind = 'person' AND i.id = w.runn_id)
    UNION ALL
    SELECT 'actuals', count(*)
    FROM (
        SELECT DISTINCT k.date, k.runn_person_id, k.runn_project_id, k.runn_role_id
        FROM audit.actual_keys AS k, previous_runn AS p
        WHERE k.how = 'written' AND k.recorded_at > p.finished_at AND k.recorded_at < p.until
            AND k.date >= coalesce(p.covered_from, k.date) AND k.date <= coalesce(p.covered_to, k.date)
            AND NOT EXISTS (
                SELECT 1 FROM raw.runn_actuals AS a
                WHERE a.extract_id = p.extract_id AND a.workstream_id IS NULL AND a.date = k.date
                    AND a.person_id = k.runn_person_id AND a.project_id = k.runn_project_id AND a.role_id = k.runn_role_id
            )
    )
),
shrink AS (
    SELECT
        l.source,
        l.listing,
        l.at_least_fewer,
        p.previous_extract_id,
        p.covered_from,
        p.covered_to,
        CASE WHEN p.previous_extract_id IS NOT NULL THEN coalesce(b.records, 0) + coalesce(d.records, 0) END AS expected,
        coalesce(d.records, 0) AS landed,
        coalesce(n.records, 0) AS got
    FROM listings AS l
    JOIN pairs AS p ON p.source = l.source
    LEFT JOIN counted AS n ON n.listing = l.listing AND n.extract_id = p.current_extract_id
    LEFT JOIN counted AS b ON b.listing = l.listing AND b.extract_id = p.previous_extract_id
    LEFT JOIN landed AS d ON d.listing = l.listing AND l.source = 'runn'
),
r17b AS (
    SELECT
        'R17b' AS stop,
        s.source,
        s.listing,
        s.previous_extract_id,
        s.expected,
        s.got,
        coalesce(s.got * 2 < s.expected AND s.expected - s.got >= s.at_least_fewer, false) AS tripped,
        CASE s.source WHEN 'runn' THEN 'Runn''s ' ELSE 'Harvest''s ' END || s.listing || ' listing holds '
            || s.got || CASE WHEN s.got = 1 THEN ' record' ELSE ' records' END
            || CASE
                WHEN s.listing NOT IN ('actuals', 'time_entries') THEN ''
                WHEN s.covered_from IS NULL AND s.covered_to IS NULL THEN ' on any date'
                WHEN s.covered_from IS NULL THEN ' dated up to ' || s.covered_to
                WHEN s.covered_to IS NULL THEN ' dated from ' || s.covered_from
                ELSE ' dated ' || s.covered_from || ' to ' || s.covered_to
            END
            || CASE
                WHEN s.previous_extract_id IS NULL THEN
                    '; there is no earlier usable ' || CASE s.source WHEN 'runn' THEN 'snapshot of Runn' ELSE 'extract of Harvest' END
                    || ' to compare with (R17 b)'
                ELSE
                    CASE WHEN s.listing IN ('actuals', 'time_entries') THEN ' (the dates both ' || CASE s.source WHEN 'runn' THEN 'snapshots' ELSE 'extracts' END || ' cover)' ELSE '' END
                    || ' where the last usable ' || CASE s.source WHEN 'runn' THEN 'snapshot' ELSE 'extract' END
                    || ' (extract ' || s.previous_extract_id || ') held ' || (s.expected - s.landed)
                    || CASE WHEN s.landed > 0 THEN ' and harvest2runn has written ' || s.landed || ' more since' ELSE '' END
                    || ': '
                    || CASE
                        WHEN s.got * 2 >= s.expected THEN 'at least half of it'
                        WHEN s.expected - s.got < s.at_least_fewer THEN 'fewer than half, but only ' || (s.expected - s.got)
                            || ' fewer, under the ' || s.at_least_fewer || ' that stop a run'
                        ELSE 'fewer than half and at least ' || s.at_least_fewer || ' fewer'
                    END
                    || ' (R17 b)'
            END AS detail
    FROM shrink AS s
),
held AS (
    SELECT count(*) AS keys
    FROM intermediate.int_actuals__owned_keys AS o
    JOIN intermediate.int_actuals__runn_keys AS r
        ON r.date = o.date AND r.runn_person_id = o.runn_person_id
        AND r.runn_project_id = o.runn_project_id AND r.runn_role_id = o.runn_role_id
    WHERE r.billable_minutes + r.nonbillable_minutes > 0
),
zeroed AS (
    SELECT count(*) AS keys FROM changes.chg_runn__actuals WHERE rule = 'R11'
),
r17c AS (
    SELECT
        'R17c' AS stop,
        'plan' AS source,
        'owned_keys' AS listing,
        NULL::BIGINT AS previous_extract_id,
        h.keys AS expected,
        z.keys AS got,
        z.keys * 10 > h.keys AND z.keys > 20 AS tripped,
        'The plan zeroes (R11) ' || z.keys || ' of the ' || h.keys
            || ' keys harvest2runn holds in the window (its own minutes > 0, still in Runn): '
            || CASE
                WHEN z.keys * 10 > h.keys AND z.keys > 20 THEN 'more than 10 % and more than 20'
                WHEN z.keys * 10 <= h.keys THEN 'no more than 10 %'
                ELSE 'no more than 20'
            END
            || ' (R17 c)' AS detail
    FROM held AS h, zeroed AS z
)
SELECT
    stop::VARCHAR AS stop,
    source::VARCHAR AS source,
    listing::VARCHAR AS listing,
    previous_extract_id::BIGINT AS previous_extract_id,
    expected::BIGINT AS expected,
    got::BIGINT AS got,
    tripped::BOOLEAN AS tripped,
    detail::VARCHAR AS detail
FROM r17b
UNION ALL
SELECT
    stop, source, listing, previous_extract_id, expected, got, tripped, detail
FROM r17c
