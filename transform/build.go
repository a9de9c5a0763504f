package transform

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/warehouse"
)

// LinkCandidates is the model of R16's candidate pairs.
const LinkCandidates = "report.rpt_link_candidates"

// BuildOptions say which extracts to build models over, for a command that needs a report and
// not a plan (link, R16).
type BuildOptions struct {
	RunID            int64 // the run the models are built for (run_context.run_id)
	HarvestExtractID int64
	RunnExtractID    int64
	Today            time.Time
}

// Build materialises the named models (schema.name) and the models they read, over the given
// extracts, and nothing else: no plan is kept, no audit runs and no transform is recorded, so a
// later `load` cannot mistake the result for a plan. The tables are those a transform makes
// (staging.*, intermediate.*, report.*), replaced by the next transform.
func Build(ctx context.Context, w *warehouse.Warehouse, opts BuildOptions, tables ...string) error {
	ordered, _, _, err := embedded()
	if err != nil {
		return fmt.Errorf("the transform's models: %w", err)
	}
	need, err := closure(ordered, tables)
	if err != nil {
		return err
	}
	if err := buildContext(ctx, w.DB, opts); err != nil {
		return err
	}
	return unorderedWrites(ctx, w.DB, func(conn session) error {
		for _, m := range ordered {
			if !need[m.table()] {
				continue
			}
			if err := buildModel(ctx, conn, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// closure is the set of tables to build: the named ones and every model they read, recursively.
func closure(ordered []model, tables []string) (map[string]bool, error) {
	byTable := map[string]model{}
	for _, m := range ordered {
		byTable[m.table()] = m
	}
	need := map[string]bool{}
	var visit func(t string) error
	visit = func(t string) error {
		if need[t] {
			return nil
		}
		m, ok := byTable[t]
		if !ok {
			return fmt.Errorf("no model in sql/ makes %s", t)
		}
		need[t] = true
		for _, d := range m.deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range tables {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return need, nil
}

// buildContext sets staging.run_context as a transform does, for every kind and an empty window
// (a report built this way reads no time).
func buildContext(ctx context.Context, db *sqlx.DB, opts BuildOptions) error {
	today := opts.Today.Format(time.DateOnly)
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE staging.run_context AS SELECT
			?::BIGINT AS run_id, ?::BIGINT AS harvest_extract_id, ?::BIGINT AS runn_extract_id,
			?::DATE AS today, ?::DATE AS window_from, ?::DATE AS window_to, false AS autofill,
			string_split(?, ',') AS only_kinds,
			(SELECT count(*) > 0 FROM raw.pages WHERE source = 'harvest' AND extract_id = ? AND resource = 'roles') AS harvest_roles_read`,
		opts.RunID, opts.HarvestExtractID, opts.RunnExtractID, today, today, today, strings.Join(Kinds, ","), opts.HarvestExtractID); err != nil {
		return fmt.Errorf("set the run's context: %w", err)
	}
	return nil
}
