-- The Runn people R11, R12 and R13 may write actuals for: those carrying the reference of a
-- Harvest user in the extract (R1) and not archived in Runn (archiving freezes what Runn holds,
-- R9). harvest_user_id is the lowest Harvest user carrying it, to name the person in changes.
SELECT
    runn_person_id,
    min(harvest_user_id) AS harvest_user_id
FROM intermediate.int_people
WHERE runn_person_id IS NOT NULL
GROUP BY runn_person_id
HAVING NOT bool_or(coalesce(is_archived_in_runn, false))
