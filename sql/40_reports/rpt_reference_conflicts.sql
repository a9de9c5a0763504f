-- Several Runn records of one kind carrying the same Harvest reference (R1 edge case): the lowest
-- Runn id is the match; each other record is listed with the one that matched, so that a person
-- can remove the extra reference in Runn (harvest2runn never edits it).
SELECT
    o.kind,
    o.harvest_id,
    m.runn_id AS matched_runn_id,
    o.runn_id AS other_runn_id,
    'R1' AS rule,
    'Runn ' || CASE o.kind WHEN 'person' THEN 'people' ELSE o.kind || 's' END || ' ' || m.runn_id || ' and ' || o.runn_id || ' both carry Harvest reference '
        || o.harvest_id || '; the lowest id, ' || m.runn_id || ', is the match' AS reason
FROM intermediate.int_identity__references AS o
JOIN intermediate.int_identity__references AS m
    ON m.kind = o.kind AND m.harvest_id = o.harvest_id AND m.match_rank = 1
WHERE o.match_rank > 1
