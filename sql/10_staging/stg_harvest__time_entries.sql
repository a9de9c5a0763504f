-- Harvest time entries of the run's window, one row per entry (the latest updated_at when an
-- entry moved while we paged). hours keeps the precision Harvest sent (R7).
-- Implausible time (R7, R9): hours whose whole minutes would reach 10^15 (about 1.9 billion
-- years) are NULL here. Harvest sends any JSON number (1e300, 1e400 are valid), DECIMAL(38, 18)
-- holds less than 10^20 and a BIGINT of minutes less than 9.2 × 10^18, so the size is judged in
-- DOUBLE (1e400 is +Inf there) before any exact cast; an entry that large is over 24 h anyway,
-- and int_actuals__entries excludes its person's day. 10^15 rather than the BIGINT limit, so
-- that thousands of such entries still sum into a BIGINT wherever minutes are added up.
SELECT
    e.id AS harvest_entry_id,
    e.spent_date,
    e.user_id AS harvest_user_id,
    e.project_id AS harvest_project_id,
    CASE WHEN abs(e.hours::DOUBLE) * 60 < 1e15 THEN e.hours::DECIMAL(38, 18) END AS hours,
    e.billable,
    e.is_running,
    e.updated_at
FROM raw.harvest_time_entries AS e
WHERE e.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY e.id ORDER BY e.updated_at DESC, e.page_seq) = 1
