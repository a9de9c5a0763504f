-- Harvest roles (/v2/roles, admin tokens only; empty when not read, see run_context).
SELECT
    r.id AS harvest_role_id,
    r.name,
    r.user_ids
FROM raw.harvest_roles AS r
WHERE r.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY r.id ORDER BY r.updated_at DESC, r.page_seq) = 1
