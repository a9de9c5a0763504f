-- Harvest time entries of the run's window, one row per entry (the latest updated_at when an
-- entry moved while we paged). hours keeps the precision Harvest sent (R7).
SELECT
    e.id AS harvest_entry_id,
    e.spent_date,
    e.user_id AS harvest_user_id,
    e.project_id AS harvest_project_id,
    e.hours::DECIMAL(38, 18) AS hours,
    e.billable,
    e.is_running,
    e.updated_at
FROM raw.harvest_time_entries AS e
WHERE e.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY e.id ORDER BY e.updated_at DESC, e.page_seq) = 1
