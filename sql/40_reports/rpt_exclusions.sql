-- R9: every Harvest time entry of the window whose time is not written, one row per entry, with
-- its whole minutes (R7) and why, in words that name the cause and the rule behind it (so that
-- "inactive in Harvest, never created" is not mistaken for "not in Runn yet"). The causes
-- decided per entry come from intermediate.int_actuals__entries (records not in Runn, archived,
-- sync_off, tentative, after today, running timer, project without client, more than 24 h), with
-- why a record is not in Runn from intermediate.int_projects and intermediate.int_people; the
-- role's (Unknown, none) from intermediate.int_actuals__by_day, for the entries that passed the
-- others. cause is the short code of the cause, reason the sentence people read. Entries dated
-- before the window are outside the run altogether (R10) and not listed. Empty when the run is
-- limited (--only) to kinds other than actuals (R15): no actual is synced, so none is excluded.
WITH ctx AS (
    SELECT list_contains(only_kinds, 'actuals') AS sync_actuals FROM staging.run_context
),
blocked AS (
    SELECT person_key, project_key, date,
        CASE WHEN is_unknown THEN 'role Unknown' ELSE 'no role' END AS cause
    FROM intermediate.int_actuals__by_day
    WHERE is_unknown OR (runn_role_id IS NULL AND role_key IS NULL)
),
excluded AS (
    SELECT date, harvest_user_id, harvest_project_id, harvest_entry_id, minutes, exclusion_reason AS cause
    FROM intermediate.int_actuals__entries
    WHERE exclusion_reason IS NOT NULL
    UNION ALL
    SELECT e.date, e.harvest_user_id, e.harvest_project_id, e.harvest_entry_id, e.minutes, b.cause
    FROM intermediate.int_actuals__entries AS e
    JOIN blocked AS b ON b.person_key = e.person_key AND b.project_key = e.project_key AND b.date = e.date
    WHERE e.exclusion_reason IS NULL
)
SELECT
    x.date,
    x.harvest_user_id,
    x.harvest_project_id,
    x.harvest_entry_id,
    x.minutes,
    x.cause,
    CASE x.cause
        WHEN 'project not in Runn' THEN
            CASE pr.not_created_reason
                WHEN 'inactive in Harvest' THEN 'project inactive in Harvest, not created (R4)'
                WHEN 'client not in Harvest' THEN 'project''s client not in Harvest, not created (R4)'
                WHEN 'projects not synced (--only)' THEN 'project not in Runn yet: projects not synced by this run (--only, R15)'
                WHEN 'client not synced (--only)' THEN 'project not in Runn yet: its client not synced by this run (--only, R15)'
                ELSE 'project not in Runn yet (R2)'
            END
        WHEN 'person not in Runn' THEN
            CASE
                WHEN NOT coalesce(pe.harvest_is_active, false) THEN 'person inactive in Harvest, not created (R5)'
                ELSE 'person not in Runn yet: people not synced by this run (--only, R15)'
            END
        WHEN 'project without client' THEN 'project has no client in Harvest, not created (R4)'
        WHEN 'project archived in Runn' THEN 'project archived in Runn (R9)'
        WHEN 'person archived in Runn' THEN 'person archived in Runn (R9)'
        WHEN 'sync_off' THEN 'project tagged sync_off in Runn (R9)'
        WHEN 'tentative project' THEN 'project tentative in Runn, harvest2runn never confirms it (R9)'
        WHEN 'after today' THEN 'dated after today (R9)'
        WHEN 'running timer' THEN 'timer still running, sent once stopped (R9)'
        WHEN 'more than 24 h in one day' THEN 'more than 24 h in one day for this person (R7)'
        WHEN 'role Unknown' THEN 'role Unknown in Runn, blocked until it is fixed there (R8)'
        WHEN 'no role' THEN 'no role: the person has no contract in Runn (R8)'
        ELSE x.cause
    END AS reason,
    'R9' AS rule
FROM excluded AS x
CROSS JOIN ctx
LEFT JOIN intermediate.int_projects AS pr ON pr.harvest_project_id = x.harvest_project_id
LEFT JOIN intermediate.int_people AS pe ON pe.harvest_user_id = x.harvest_user_id
WHERE ctx.sync_actuals
