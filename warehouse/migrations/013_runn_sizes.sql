-- Issue 14: what the next Runn snapshot will likely hold (extract/extractsql/last_runn_sizes.sql),
-- worked out by a sync after its load, while the warehouse is warm and no request waits on it, so
-- that the next snapshot's split of the actuals reads a few rows instead of the last snapshot.
-- Only the latest sync's rows are kept. Rows: (resource, NULL, records) per listing but actuals,
-- ('actuals', date, records) per date of the window.
CREATE TABLE meta.runn_sizes (
    run_id      BIGINT NOT NULL,
    extract_id  BIGINT NOT NULL,  -- the snapshot the sizes start from
    window_from DATE NOT NULL,
    window_to   DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    resource    VARCHAR NOT NULL,
    date        DATE,
    records     BIGINT NOT NULL
);
