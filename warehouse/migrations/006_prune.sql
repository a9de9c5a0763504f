-- Pruning (issue 6): `harvest2runn prune` and the automatic retention after a sync remove the raw
-- extracts of old runs (their raw.* rows and page files); the runs, their plans and their audit
-- trails stay.
--
-- An extract whose pages were removed gets the status 'pruned' (allowed since 001_runs.sql), so
-- that every later stage refuses it as it refuses a failed one (UsableExtract,
-- meta.usable_extracts): a transform, replay or revert of a pruned run must never read an empty
-- extract as "nothing in Harvest" or "nothing in Runn".

-- One row per run whose extracts were pruned: when, why (the retention or the command that did
-- it), and what went. `replay` and `status` read it to say that a run was pruned.
CREATE TABLE meta.pruned (
    run_id      BIGINT NOT NULL,
    pruned_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    reason      VARCHAR NOT NULL,
    extracts    INTEGER NOT NULL,
    rows_deleted BIGINT NOT NULL,
    page_files  INTEGER NOT NULL,
    page_bytes  BIGINT NOT NULL
);

-- Runs a user pinned (`harvest2runn prune --keep RUN_ID`): their extracts are never pruned.
CREATE TABLE meta.pinned_runs (
    run_id    BIGINT NOT NULL,
    pinned_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
