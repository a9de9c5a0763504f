-- Runn people before this run, with their Harvest ids (R1).
SELECT
    p.id AS runn_person_id,
    p.first_name,
    p.last_name,
    p.email,
    p.is_archived,
    list_filter(
        list_transform(p."references", x -> CASE WHEN lower(trim(x.reference_name)) = 'harvest' THEN try_cast(trim(x.external_id) AS BIGINT) END),
        x -> x IS NOT NULL
    ) AS harvest_ids
FROM raw.runn_people AS p
WHERE p.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.updated_at DESC, p.page_seq) = 1
