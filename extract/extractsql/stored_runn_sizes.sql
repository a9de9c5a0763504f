-- The sizes a sync stored for the next Runn snapshot (meta.runn_sizes), in last_runn_sizes.sql's
-- rows, for the window $1 to $2; none unless they still hold: worked out from the last succeeded
-- snapshot, for a window that starts no later than $1, with no load or revert started since.
WITH last AS (
    SELECT extract_id AS id FROM meta.extracts
    WHERE source = 'runn' AND status = 'succeeded'
    ORDER BY extract_id DESC LIMIT 1
)
SELECT s.resource, s.date, s.records AS n
FROM meta.runn_sizes AS s
WHERE s.extract_id = (SELECT id FROM last)
    AND s.window_from <= $1
    AND (s.date IS NULL OR s.date BETWEEN $1 AND $2)
    AND NOT EXISTS (SELECT 1 FROM audit.loads AS l WHERE l.started_at >= s.recorded_at)
