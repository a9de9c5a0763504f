-- Runn refuses actuals after today, and R10 never touches a date outside the window.
SELECT a.*
FROM changes.chg_runn__actuals AS a, staging.run_context AS c
WHERE a.date > c.today
   OR a.date < coalesce(c.window_from, a.date)
