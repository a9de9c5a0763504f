-- A run's possible duplicates (R1a): a record created although Runn has one of the same name or
-- email without a Harvest reference; `harvest2runn link` can link them instead (R16).
SELECT kind, harvest_id, coalesce(harvest_value, '') AS harvest_value, runn_id, coalesce(runn_value, '') AS runn_value,
    compared_on, reason
FROM plan.rpt_possible_duplicates
WHERE run_id = ?
ORDER BY kind, harvest_value, harvest_id, runn_id
