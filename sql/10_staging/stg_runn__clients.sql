-- Runn clients before this run, with their Harvest ids (R1).
SELECT
    c.id AS runn_client_id,
    c.name,
    c.is_archived,
    list_filter(
        list_transform(c."references", x -> CASE WHEN lower(trim(x.reference_name)) = 'harvest' THEN try_cast(trim(x.external_id) AS BIGINT) END),
        x -> x IS NOT NULL
    ) AS harvest_ids
FROM raw.runn_clients AS c
WHERE c.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY c.updated_at DESC, c.page_seq) = 1
