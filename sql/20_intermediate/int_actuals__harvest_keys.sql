-- The actual keys that have Harvest time in the window (R7, R10), with what Runn holds on each:
-- the days of intermediate.int_actuals__by_day whose role R8 resolved to a role other than
-- Unknown, one row per (person, project, role, day), with the whole minutes of its stopped
-- entries. A key has Harvest time even when its sum is 0 (then 0 is what R10 writes, and R13
-- does not fill it). The window's first day is applied by int_actuals__entries; its last day is
-- today, after which entries are excluded ('after today').
-- runn_* ids are NULL for records created this run; harvest_user_id and harvest_project_id then
-- name them for the load, and role_key names a role created this run.
-- runn_billable_minutes / runn_nonbillable_minutes: Runn's actual without workstream on the key
-- (intermediate.int_actuals__runn_keys), NULL when it has none (always, for created records).
SELECT
    d.date,
    d.person_key,
    d.project_key,
    d.harvest_user_id,
    d.runn_person_id,
    d.harvest_project_id,
    d.runn_project_id,
    d.runn_role_id,
    d.role_key,
    d.role_source,
    d.billable_minutes,
    d.nonbillable_minutes,
    d.entries,
    a.billable_minutes AS runn_billable_minutes,
    a.nonbillable_minutes AS runn_nonbillable_minutes
FROM intermediate.int_actuals__by_day AS d
LEFT JOIN intermediate.int_actuals__runn_keys AS a
    ON a.date = d.date AND a.runn_person_id = d.runn_person_id
    AND a.runn_project_id = d.runn_project_id AND a.runn_role_id = d.runn_role_id
WHERE NOT d.is_unknown
    AND (d.runn_role_id IS NOT NULL OR d.role_key IS NOT NULL)
