-- Every Harvest reference a Runn record carries (R1): one row per (kind, Harvest id, Runn
-- record). Nothing but these references links a Runn record to a Harvest object: not names,
-- not emails. When several Runn records of one kind carry the same Harvest id, the lowest Runn
-- id is the match (match_rank 1) and the others are reported (report.rpt_reference_conflicts).
-- Archived records match like any other (they are never re-created). Project templates are
-- not projects: a template that kept a copied reference must not capture the project's time.
-- Placeholders never appear here (Runn's /people/ leaves them out).
WITH refs AS (
    SELECT DISTINCT 'role' AS kind, unnest(r.harvest_ids) AS harvest_id, r.runn_role_id AS runn_id, r.is_archived
    FROM staging.stg_runn__roles AS r
    UNION ALL
    SELECT DISTINCT 'client', unnest(c.harvest_ids), c.runn_client_id, c.is_archived
    FROM staging.stg_runn__clients AS c
    UNION ALL
    SELECT DISTINCT 'project', unnest(p.harvest_ids), p.runn_project_id, p.is_archived
    FROM staging.stg_runn__projects AS p
    WHERE NOT coalesce(p.is_template, false)
    UNION ALL
    SELECT DISTINCT 'person', unnest(p.harvest_ids), p.runn_person_id, p.is_archived
    FROM staging.stg_runn__people AS p
)
SELECT
    kind,
    harvest_id,
    runn_id,
    coalesce(is_archived, false) AS is_archived,
    row_number() OVER (PARTITION BY kind, harvest_id ORDER BY runn_id) AS match_rank
FROM refs
