-- R14: the keys with Harvest time in the window whose computed minutes (> 0) Runn already holds.
-- Nothing is written for them; the load records them as harvest2runn's keys ('found_equal' in
-- audit.actual_keys), so that a later deletion in Harvest zeroes them (R11), a migration from
-- Runn's own integration included. Keys created this run have no Runn actual, so never appear.
-- Empty when the run is limited (--only) to kinds other than actuals (R15).
SELECT
    h.date,
    h.runn_person_id,
    h.runn_project_id,
    h.runn_role_id,
    h.billable_minutes,
    h.nonbillable_minutes
FROM intermediate.int_actuals__harvest_keys AS h
CROSS JOIN (SELECT list_contains(only_kinds, 'actuals') AS sync_actuals FROM staging.run_context) AS ctx
WHERE ctx.sync_actuals
    AND h.runn_billable_minutes = h.billable_minutes
    AND h.runn_nonbillable_minutes = h.nonbillable_minutes
    AND h.billable_minutes + h.nonbillable_minutes > 0
