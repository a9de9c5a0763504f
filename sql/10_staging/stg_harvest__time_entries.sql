-- Harvest time entries of the run's window, one row per entry (the latest updated_at, then the
-- first page, when an entry moved while we paged). hours keeps the precision Harvest sent (R7);
-- minutes is R7's whole minutes of the entry, round(hours × 60) half away from zero (DuckDB
-- rounds DECIMAL that way: 0.175 h is 10.5 min, so 11; 1.025 h is 61.5 min, so 62, where a
-- DOUBLE gives 61.4999… and 61), computed once here for every model that adds minutes up.
-- Implausible time (R7, R9): hours whose whole minutes would reach 10^15 (about 1.9 billion
-- years) are NULL here, and so are their minutes. Harvest sends any JSON number (1e300, 1e400
-- are valid), DECIMAL(38, 18) holds less than 10^20 and a BIGINT of minutes less than 9.2 ×
-- 10^18, so the size is judged in DOUBLE (1e400 is +Inf there) before any exact cast; an entry
-- that large is over 24 h anyway, and int_actuals__entries excludes its person's day. 10^15
-- rather than the BIGINT limit, so that thousands of such entries still sum into a BIGINT
-- wherever minutes are added up.
--
-- Built for millions of entries (the whole history of a large account):
-- - Reading hours as DECIMAL(38, 18) from text is slow (a 128-bit parse, about 0.6 µs an entry),
--   so the usual hours ("0.25", "7.5": ten characters or fewer, no exponent) are read as
--   DECIMAL(16, 9) first. Such a text has at most 9 digits after the point, so that reading is
--   exact when it succeeds (more than 7 digits before the point fails it), and the minutes come
--   out of 64-bit arithmetic. Any other text takes the DECIMAL(38, 18) reading, as before.
-- - An entry is seen twice in one extract only when it moved between pages while we paged,
--   which is rare: the ids seen more than once are found by an aggregate of the id alone, and
--   only their rows are windowed to keep the latest; every other row passes straight through
--   (a window over every row would sort all their columns).
WITH entries AS NOT MATERIALIZED (
    SELECT e.id, e.page_seq, e.spent_date, e.user_id, e.project_id, e.hours, e.billable, e.is_running, e.updated_at
    FROM raw.harvest_time_entries AS e
    WHERE e.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
),
moved AS (
    SELECT id FROM entries GROUP BY id HAVING count(*) > 1
),
latest AS (
    SELECT e.* EXCLUDE (page_seq)
    FROM entries AS e
    WHERE NOT EXISTS (SELECT 1 FROM moved AS m WHERE m.id = e.id)
    UNION ALL
    SELECT e.* EXCLUDE (page_seq)
    FROM entries AS e
    WHERE EXISTS (SELECT 1 FROM moved AS m WHERE m.id = e.id)
    QUALIFY row_number() OVER (PARTITION BY e.id ORDER BY e.updated_at DESC, e.page_seq) = 1
),
parsed AS (
    SELECT
        e.*,
        abs(e.hours::DOUBLE) * 60 < 1e15 AS countable,
        CASE
            WHEN length(e.hours) <= 10 AND NOT contains(lower(e.hours), 'e') THEN try_cast(e.hours AS DECIMAL(16, 9))
        END AS short_hours
    FROM latest AS e
)
SELECT
    e.id AS harvest_entry_id,
    e.spent_date,
    e.user_id AS harvest_user_id,
    e.project_id AS harvest_project_id,
    CASE WHEN e.countable THEN coalesce(e.short_hours::DECIMAL(38, 18), e.hours::DECIMAL(38, 18)) END AS hours,
    e.billable,
    e.is_running,
    e.updated_at,
    CASE
        WHEN e.countable THEN coalesce(round(e.short_hours * 60)::BIGINT, round(e.hours::DECIMAL(38, 18) * 60)::BIGINT)
    END AS minutes
FROM parsed AS e
