-- Runn assignments before this run, whatever their dates (R8 (b) looks beyond the window).
SELECT
    a.id AS runn_assignment_id,
    a.person_id AS runn_person_id,
    a.project_id AS runn_project_id,
    a.role_id AS runn_role_id,
    a.start_date,
    a.end_date,
    a.minutes_per_day,
    a.is_active,
    a.is_non_working_day,
    a.is_template,
    a.is_placeholder
FROM raw.runn_assignments AS a
WHERE a.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY a.id ORDER BY a.updated_at DESC, a.page_seq) = 1
