-- Implausible time (R7, R9): the people and days whose stopped time is above 24 h in all
-- (intermediate.int_actuals__entries excludes their entries with 'more than 24 h in one day').
-- What Runn holds for such a person and day stays as it is: besides R10, which has no time to
-- write there, R11 and R12 (int_actuals__deletions) and R13 (int_actuals__autofill) leave every
-- key of the person on that day alone, on every project. runn_person_id is NULL for a person not
-- in Runn or created this run (Runn holds nothing for them). minutes is NULL when an entry's
-- hours were too large to count (HUGEINT otherwise, so a day of 1e15-hour entries still adds up).
SELECT
    date,
    coalesce(person_key, -harvest_user_id) AS person_key,
    any_value(runn_person_id) AS runn_person_id,
    min(harvest_user_id) AS harvest_user_id,
    count(*) AS entries,
    CASE WHEN bool_and(minutes IS NOT NULL) THEN sum(minutes::HUGEINT) END AS minutes
FROM intermediate.int_actuals__entries
WHERE exclusion_reason = 'more than 24 h in one day'
GROUP BY date, coalesce(person_key, -harvest_user_id)
