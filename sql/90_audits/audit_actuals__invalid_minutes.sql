-- Runn takes whole, non-negative minutes (R7): anything else is a bug in the plan.
SELECT *
FROM changes.chg_runn__actuals
WHERE billable_minutes IS NULL OR nonbillable_minutes IS NULL
   OR billable_minutes < 0 OR nonbillable_minutes < 0
   OR billable_minutes <> trunc(billable_minutes) OR nonbillable_minutes <> trunc(nonbillable_minutes)
