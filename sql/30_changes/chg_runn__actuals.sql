-- The actuals the load writes (POST /actuals/bulk/, an upsert per key), one row per key, each
-- with the rule that causes it:
--   R10  a key with Harvest time in the window whose minutes Runn does not hold yet (no actual,
--        or other minutes, manual ones included);
--   R11  a key harvest2runn owns whose Harvest time is gone: 0 minutes;
--   R12  a key harvest2runn owns whose time R8 now gives another role: 0 minutes (the new key
--        is an R10 row);
--   R13  a missing actual of a completed week: 0 minutes.
-- R14: a key Runn already holds with these minutes gets no row (report.rpt_actuals_found_equal
-- lists those with minutes > 0). runn_billable_minutes / runn_nonbillable_minutes are what Runn
-- held before (NULL: no actual). A NULL runn id is a record created this run, which the load
-- resolves by harvest_user_id, harvest_project_id or role_key. No row at all when the run is
-- limited (--only) to kinds other than actuals (R15).
WITH ctx AS (
    SELECT list_contains(only_kinds, 'actuals') AS sync_actuals FROM staging.run_context
),
r10 AS (
    SELECT
        h.date,
        h.harvest_user_id,
        h.runn_person_id,
        h.harvest_project_id,
        h.runn_project_id,
        h.runn_role_id,
        h.role_key,
        h.billable_minutes,
        h.nonbillable_minutes,
        h.runn_billable_minutes,
        h.runn_nonbillable_minutes,
        'R10' AS rule,
        format('Harvest has {} stopped {} on this key in the window ({}); {}',
            h.entries, CASE WHEN h.entries = 1 THEN 'entry' ELSE 'entries' END, h.role_source,
            CASE
                WHEN h.runn_billable_minutes IS NULL THEN 'Runn has no actual for it'
                ELSE format('Runn holds {} billable and {} non-billable minutes', h.runn_billable_minutes, h.runn_nonbillable_minutes)
            END) AS reason
    FROM intermediate.int_actuals__harvest_keys AS h
    WHERE h.runn_billable_minutes IS NULL
        OR h.runn_billable_minutes <> h.billable_minutes
        OR h.runn_nonbillable_minutes <> h.nonbillable_minutes
),
r11_r12 AS (
    SELECT
        d.date,
        d.harvest_user_id,
        d.runn_person_id,
        d.harvest_project_id,
        d.runn_project_id,
        d.runn_role_id,
        NULL::VARCHAR AS role_key,
        0::BIGINT AS billable_minutes,
        0::BIGINT AS nonbillable_minutes,
        d.runn_billable_minutes,
        d.runn_nonbillable_minutes,
        d.rule,
        CASE d.rule
            WHEN 'R12' THEN format('Harvest time of this person, project and day now has role {} (R8), not {}; '
                || 'harvest2runn put {} billable and {} non-billable minutes on this role''s key (run {}, {}), set to 0 so nothing counts twice',
                coalesce(nr.name, d.new_runn_role_id::VARCHAR), coalesce(orr.name, d.runn_role_id::VARCHAR),
                d.owned_billable_minutes, d.owned_nonbillable_minutes, d.owned_run_id, d.owned_how)
            ELSE format('Harvest has no stopped time for this person, project and day any more; '
                || 'harvest2runn put {} billable and {} non-billable minutes here (run {}, {}) and Runn still holds {} and {}',
                d.owned_billable_minutes, d.owned_nonbillable_minutes, d.owned_run_id, d.owned_how,
                d.runn_billable_minutes, d.runn_nonbillable_minutes)
        END AS reason
    FROM intermediate.int_actuals__deletions AS d
    LEFT JOIN intermediate.int_roles AS nr ON nr.runn_role_id = d.new_runn_role_id
    LEFT JOIN intermediate.int_roles AS orr ON orr.runn_role_id = d.runn_role_id
),
r13 AS (
    SELECT
        a.date,
        a.harvest_user_id,
        a.runn_person_id,
        a.harvest_project_id,
        a.runn_project_id,
        a.runn_role_id,
        NULL::VARCHAR AS role_key,
        0::BIGINT AS billable_minutes,
        0::BIGINT AS nonbillable_minutes,
        NULL::BIGINT AS runn_billable_minutes,
        NULL::BIGINT AS runn_nonbillable_minutes,
        'R13' AS rule,
        'autofill: a scheduled, rostered weekday of a completed week with no actual in Runn nor time in Harvest' AS reason
    FROM intermediate.int_actuals__autofill AS a
),
changes AS (
    SELECT * FROM r10
    UNION ALL
    SELECT * FROM r11_r12
    UNION ALL
    SELECT * FROM r13
)
SELECT
    c.date,
    c.harvest_user_id,
    c.runn_person_id,
    c.harvest_project_id,
    c.runn_project_id,
    c.runn_role_id,
    c.role_key,
    c.billable_minutes,
    c.nonbillable_minutes,
    c.runn_billable_minutes,
    c.runn_nonbillable_minutes,
    c.rule,
    c.reason
FROM changes AS c
CROSS JOIN ctx
WHERE ctx.sync_actuals
