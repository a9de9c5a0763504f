-- R11 and R12: the keys in the window that harvest2runn owns (intermediate.int_actuals__owned_keys)
-- and that Harvest no longer has time for, where Runn's snapshot still holds minutes > 0 (a user
-- who deleted or zeroed the actual in Runn is not contradicted). Each is written with 0 minutes.
--   R12: Harvest still has time for the person, project and day, but R8 now gives it another
--        role (new_runn_role_id): that key gets the minutes (R10), this one is set to 0, so
--        nothing is counted twice.
--   R11: Harvest has no stopped time for the person, project and day at all (entry deleted,
--        moved to another project or day; a running timer counts for nothing).
-- Never on a project excluded now (sync_off, tentative, archived in Runn) nor for a person
-- archived in Runn: those freeze what Runn holds. The person and project must still be
-- Harvest's (carry the reference of a Harvest record in the extract). A day whose time is
-- blocked by its role ('role Unknown', 'no role', R9) is left alone too: Harvest still has that
-- time, it just cannot say under which role, and the exclusion report says so.
-- A person's day with more than 24 h of stopped time (intermediate.int_actuals__implausible_days)
-- is left alone on every project: Harvest's time there cannot be trusted, so neither can its
-- absence from one project (R7, R9, "Implausible time").
-- Days whose Harvest time is blocked by its role.
WITH blocked_days AS (
    SELECT DISTINCT date, person_key AS runn_person_id, project_key AS runn_project_id
    FROM intermediate.int_actuals__by_day
    WHERE is_unknown OR (runn_role_id IS NULL AND role_key IS NULL)
)
SELECT
    o.date,
    o.runn_person_id,
    pe.harvest_user_id,
    o.runn_project_id,
    pr.harvest_project_id,
    o.runn_role_id,
    r.billable_minutes AS runn_billable_minutes,
    r.nonbillable_minutes AS runn_nonbillable_minutes,
    o.billable_minutes AS owned_billable_minutes,
    o.nonbillable_minutes AS owned_nonbillable_minutes,
    o.how AS owned_how,
    o.run_id AS owned_run_id,
    d.runn_role_id AS new_runn_role_id,
    CASE WHEN d.runn_role_id IS NULL THEN 'R11' ELSE 'R12' END AS rule
FROM intermediate.int_actuals__owned_keys AS o
JOIN intermediate.int_actuals__runn_keys AS r
    ON r.date = o.date AND r.runn_person_id = o.runn_person_id
    AND r.runn_project_id = o.runn_project_id AND r.runn_role_id = o.runn_role_id
JOIN intermediate.int_actuals__writable_people AS pe ON pe.runn_person_id = o.runn_person_id
JOIN intermediate.int_actuals__writable_projects AS pr ON pr.runn_project_id = o.runn_project_id
-- The key Harvest's time of the person, project and day has now, if any: one per day, since R8
-- gives a day one role.
LEFT JOIN intermediate.int_actuals__harvest_keys AS d
    ON d.date = o.date AND d.runn_person_id = o.runn_person_id AND d.runn_project_id = o.runn_project_id
WHERE r.billable_minutes + r.nonbillable_minutes > 0
    AND d.runn_role_id IS DISTINCT FROM o.runn_role_id
    AND NOT EXISTS (
        SELECT 1 FROM blocked_days AS b
        WHERE b.date = o.date AND b.runn_person_id = o.runn_person_id AND b.runn_project_id = o.runn_project_id
    )
    AND NOT EXISTS (
        SELECT 1 FROM intermediate.int_actuals__implausible_days AS i
        WHERE i.date = o.date AND i.runn_person_id = o.runn_person_id
    )
