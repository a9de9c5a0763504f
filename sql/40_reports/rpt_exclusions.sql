-- R9: every Harvest time entry of the window whose time is not written, one row per entry, with
-- its whole minutes (R7) and why. Reasons decided per entry come from
-- intermediate.int_actuals__entries (records not in Runn, archived, sync_off, tentative, after
-- today, running timer, project without client); the role's ('role Unknown', 'no role') from
-- intermediate.int_actuals__by_day, for the entries that passed the others. Entries dated
-- before the window are outside the run altogether (R10) and not listed. Empty when the run is
-- limited (--only) to kinds other than actuals (R15): no actual is synced, so none is excluded.
WITH ctx AS (
    SELECT list_contains(only_kinds, 'actuals') AS sync_actuals FROM staging.run_context
),
blocked AS (
    SELECT person_key, project_key, date,
        CASE WHEN is_unknown THEN 'role Unknown' ELSE 'no role' END AS reason
    FROM intermediate.int_actuals__by_day
    WHERE is_unknown OR (runn_role_id IS NULL AND role_key IS NULL)
),
excluded AS (
    SELECT date, harvest_user_id, harvest_project_id, harvest_entry_id, minutes, exclusion_reason AS reason
    FROM intermediate.int_actuals__entries
    WHERE exclusion_reason IS NOT NULL
    UNION ALL
    SELECT e.date, e.harvest_user_id, e.harvest_project_id, e.harvest_entry_id, e.minutes, b.reason
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
    x.reason,
    'R9' AS rule
FROM excluded AS x
CROSS JOIN ctx
WHERE ctx.sync_actuals
