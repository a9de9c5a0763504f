-- Harvest user assignments (user ↔ project), one row per assignment.
SELECT
    a.id AS harvest_user_assignment_id,
    a.user_id AS harvest_user_id,
    a.project_id AS harvest_project_id,
    a.is_active
FROM raw.harvest_user_assignments AS a
WHERE a.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY a.id ORDER BY a.updated_at DESC, a.page_seq) = 1
