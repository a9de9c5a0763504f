-- The Runn projects R11, R12 and R13 may write actuals on: those carrying the reference of a
-- Harvest project in the extract (R1) and not excluded now (R9): no sync_off tag, confirmed, not
-- archived in Runn. Tagging, un-confirming or archiving a project freezes what Runn holds.
-- harvest_project_id is the lowest Harvest project carrying it, to name the project in changes.
SELECT
    runn_project_id,
    min(harvest_project_id) AS harvest_project_id
FROM intermediate.int_projects
WHERE runn_project_id IS NOT NULL
GROUP BY runn_project_id
HAVING NOT bool_or(coalesce(is_archived_in_runn, false) OR coalesce(is_sync_off, false) OR NOT coalesce(is_confirmed, false))
