-- The sizes a Runn snapshot of the window $1 to $2 will likely have (issue 14): the last
-- succeeded snapshot's, plus what the loads since then created in Runn, which it could not hold.
-- Rows: (resource, NULL, records) for each listing but actuals; ('actuals', date, records) for
-- the window's actuals by date. No rows without an earlier snapshot.
WITH last AS (
    SELECT extract_id AS id, run_id FROM meta.extracts
    WHERE source = 'runn' AND status = 'succeeded'
    ORDER BY extract_id DESC LIMIT 1
),
created AS (
    SELECT CASE w.kind WHEN 'role' THEN 'roles' WHEN 'client' THEN 'clients'
            WHEN 'project' THEN 'projects' WHEN 'person' THEN 'people' END AS resource,
        count(DISTINCT o.runn_id) AS n
    FROM audit.writes AS w JOIN audit.outcomes AS o ON o.write_id = w.write_id
    WHERE w.mode = 'apply' AND w.kind <> 'actual' AND o.status = 'confirmed'
        AND w.run_id >= (SELECT run_id FROM last)
    GROUP BY ALL
),
-- A record both ends of a range read is landed twice: once here.
snapshot_actuals AS (
    SELECT DISTINCT id, date, person_id, project_id, role_id FROM raw.runn_actuals
    WHERE extract_id = (SELECT id FROM last) AND date BETWEEN $1 AND $2
),
-- Actuals the loads since confirmed whose key the snapshot did not hold: new records.
written_actuals AS (
    SELECT DISTINCT date, runn_person_id, runn_project_id, runn_role_id FROM audit.actual_keys
    WHERE how = 'written' AND run_id >= (SELECT run_id FROM last) AND date BETWEEN $1 AND $2
)
SELECT resource, NULL::DATE AS date, sum(n)::BIGINT AS n FROM (
    SELECT resource, records AS n FROM raw.pages
    WHERE source = 'runn' AND extract_id = (SELECT id FROM last) AND resource <> 'actuals'
    UNION ALL
    SELECT resource, n FROM created WHERE resource IS NOT NULL
) GROUP BY resource
UNION ALL
SELECT 'actuals' AS resource, date, count(*) AS n FROM (
    SELECT date FROM snapshot_actuals
    UNION ALL
    SELECT k.date FROM written_actuals AS k
    WHERE NOT EXISTS (SELECT 1 FROM snapshot_actuals AS a WHERE a.date = k.date
        AND a.person_id = k.runn_person_id AND a.project_id = k.runn_project_id AND a.role_id = k.runn_role_id)
) GROUP BY date
