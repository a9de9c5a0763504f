-- Harvest clients, one row per client.
SELECT
    c.id AS harvest_client_id,
    c.name,
    c.is_active
FROM raw.harvest_clients AS c
WHERE c.extract_id = (SELECT harvest_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY c.updated_at DESC, c.page_seq) = 1
