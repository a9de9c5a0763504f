-- The run registry: one row per command that worked on the warehouse (extract, transform, load,
-- sync, ...). `today` is the date the run computed its window for: replay reuses it.
CREATE SEQUENCE meta.run_ids START 1;
CREATE TABLE meta.runs (
    run_id      BIGINT PRIMARY KEY DEFAULT nextval('meta.run_ids'),
    kind        VARCHAR NOT NULL,
    status      VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    today       DATE,
    options     JSON,
    error       VARCHAR
);

-- One row per extract: what was fetched from which API for which run, and how it went. Only
-- extracts with status 'succeeded' may be read by a later stage; 'pruned' ones had their raw
-- rows and page files removed (006_prune.sql).
CREATE SEQUENCE meta.extract_ids START 1;
CREATE TABLE meta.extracts (
    extract_id     BIGINT PRIMARY KEY DEFAULT nextval('meta.extract_ids'),
    run_id         BIGINT NOT NULL,
    source         VARCHAR NOT NULL CHECK (source IN ('harvest', 'runn')),
    status         VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'pruned')),
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    window_from    DATE,
    window_to      DATE,
    requests       BIGINT,
    retries        BIGINT,
    rate_limited   BIGINT,
    server_errors  BIGINT,
    network_errors BIGINT,
    pages          BIGINT,
    records        BIGINT,
    bytes          BIGINT,
    stored_bytes   BIGINT,
    duration_ms    BIGINT,
    notes          VARCHAR,
    error          VARCHAR
);

-- The only extracts a later stage may read: a failed or unfinished extract never feeds a
-- transform (UsableExtract refuses it with the reason).
CREATE VIEW meta.usable_extracts AS
SELECT * FROM meta.extracts WHERE status = 'succeeded';
