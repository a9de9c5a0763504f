-- Linking existing Runn records (issue 13, R16): the pairs a user named for a `link` run
-- (--pair, --from), kept with the run. The candidate model reads them, so that a client the user
-- links in a run counts as matched for its projects in that same run (clients are decided
-- before projects). What each link did is in the audit trail (005_load.sql), rule R16.
CREATE TABLE meta.link_pairs (
    run_id      BIGINT NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('client', 'project', 'person')),
    harvest_id  BIGINT NOT NULL,
    runn_id     BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
