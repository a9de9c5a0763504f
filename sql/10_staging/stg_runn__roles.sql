-- Runn roles before this run, with the Harvest ids their references carry (R1: referenceName
-- compared case-insensitively; externalIds that are not numbers are not Harvest ids).
SELECT
    r.id AS runn_role_id,
    r.name,
    r.is_archived,
    list_filter(
        list_transform(r."references", x -> CASE WHEN lower(trim(x.reference_name)) = 'harvest' THEN try_cast(trim(x.external_id) AS BIGINT) END),
        x -> x IS NOT NULL
    ) AS harvest_ids
FROM raw.runn_roles AS r
WHERE r.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY r.id ORDER BY r.updated_at DESC, r.page_seq) = 1
