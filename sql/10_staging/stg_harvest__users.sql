-- Harvest users of this run's extract, one row per user (the latest updated_at, when a user
-- moved between pages). Blank emails are no email (R5).
SELECT
    u.id AS harvest_user_id,
    u.first_name,
    u.last_name,
    nullif(trim(u.email), '') AS email,
    u.is_contractor,
    u.is_active,
    u.cost_rate::DECIMAL(18, 6) AS cost_rate,
    u.roles AS role_names,
    u.created_at,
    u.updated_at
FROM raw.harvest_users AS u
WHERE u.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY u.id ORDER BY u.updated_at DESC, u.page_seq) = 1
