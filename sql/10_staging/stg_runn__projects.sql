-- Runn projects before this run, with their Harvest ids (R1) and tag names (R9's sync_off):
-- a tag counts whether the project lists it or the project tag lists the project.
SELECT
    p.id AS runn_project_id,
    p.name,
    p.client_id AS runn_client_id,
    p.is_template,
    p.is_archived,
    p.is_confirmed,
    p.pricing_model,
    list_filter(
        list_transform(p."references", x -> CASE WHEN lower(trim(x.reference_name)) = 'harvest' THEN try_cast(trim(x.external_id) AS BIGINT) END),
        x -> x IS NOT NULL
    ) AS harvest_ids,
    list_distinct(list_concat(
        list_transform(p.tags, t -> t.name),
        coalesce((
            SELECT list(t.name)
            FROM raw.runn_project_tags AS t
            WHERE t.extract_id = p.extract_id AND list_contains(t.project_ids, p.id)
        ), [])
    )) AS tag_names
FROM raw.runn_projects AS p
WHERE p.extract_id = (SELECT runn_extract_id FROM staging.run_context)
QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY p.updated_at DESC, p.page_seq) = 1
