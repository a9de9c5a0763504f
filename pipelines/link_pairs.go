package pipelines

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/load"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// candidate is a row of report.rpt_link_candidates.
type candidate struct {
	Kind         string `db:"kind"`
	HarvestID    int64  `db:"harvest_id"`
	RunnID       int64  `db:"runn_id"`
	HarvestName  string `db:"harvest_name"`
	RunnName     string `db:"runn_name"`
	ComparedOn   string `db:"compared_on"`
	HarvestValue string `db:"harvest_value"`
	RunnValue    string `db:"runn_value"`
	HarvestSide  int64  `db:"harvest_candidates"`
	Status       string `db:"status"`
}

func (c candidate) evidence() LinkEvidence {
	return LinkEvidence{ComparedOn: c.ComparedOn, HarvestValue: c.HarvestValue, RunnValue: c.RunnValue}
}

func (c candidate) entry() LinkEntry {
	return LinkEntry{Kind: c.Kind, HarvestID: c.HarvestID, HarvestName: c.HarvestName, RunnID: c.RunnID, RunnName: c.RunnName,
		Evidence: c.evidence()}
}

// readCandidates reads the candidate pairs of the kinds given, in R15's kind order (load.Kinds,
// the one place that order is written), then by Harvest and Runn id.
func readCandidates(ctx context.Context, db *sqlx.DB, kinds []string) ([]candidate, error) {
	var out []candidate
	if err := db.SelectContext(ctx, &out, `SELECT kind, harvest_id, runn_id, coalesce(harvest_name, '') AS harvest_name,
			coalesce(runn_name, '') AS runn_name, compared_on, coalesce(harvest_value, '') AS harvest_value,
			coalesce(runn_value, '') AS runn_value, harvest_candidates, status
		FROM report.rpt_link_candidates
		WHERE list_contains(string_split(?, ','), kind)
		ORDER BY harvest_id, runn_id`, strings.Join(kinds, ",")); err != nil {
		return nil, fmt.Errorf("read the candidate pairs (report.rpt_link_candidates): %w", err)
	}
	sortByKind(out)
	return out, nil
}

// sortByKind orders candidates by R15's kind order, keeping the order within a kind.
func sortByKind(cands []candidate) {
	order := load.Kinds()
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return slices.Index(order, a.Kind) - slices.Index(order, b.Kind)
	})
}

// resumePairs gives a resumed link run the pairs it was started with: those recorded for it
// when none are given, and a usage error (ErrOtherPairs) when others are.
func resumePairs(ctx context.Context, db *sqlx.DB, run warehouse.Run, opts *LinkOptions) error {
	var stored []Pair
	if err := db.SelectContext(ctx, &stored, `SELECT kind, harvest_id, runn_id FROM meta.link_pairs
		WHERE run_id = ?`, run.ID); err != nil {
		return fmt.Errorf("read the pairs named for link run %d: %w", run.ID, err)
	}
	slices.SortFunc(stored, comparePairs)
	stored = slices.Compact(stored)
	named := len(stored) > 0 || runNamedPairs(run)
	if !opts.Named {
		opts.Pairs, opts.Named = stored, named
		return nil
	}
	given := slices.Clone(opts.Pairs)
	slices.SortFunc(given, comparePairs)
	given = slices.Compact(given)
	if !named || !slices.Equal(given, stored) {
		was := "the proposed pairs"
		if named {
			was = fmt.Sprintf("%d pairs of its own", len(stored))
		}
		return fmt.Errorf("%w: link run %d was started to link %s, not the %d given: resume it without --pair or --from, or start a new link run (without --run %d)",
			ErrOtherPairs, run.ID, was, len(given), run.ID)
	}
	return nil
}

func comparePairs(a, b Pair) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.HarvestID, b.HarvestID); c != 0 {
		return c
	}
	return cmp.Compare(a.RunnID, b.RunnID)
}

// runNamedPairs says whether a link run was started with pairs named (--pair, --from): an
// empty --from file names no pair and still links nothing but them.
func runNamedPairs(run warehouse.Run) bool {
	var o struct {
		Named *bool    `json:"named"`
		Pairs []string `json:"pairs"`
		From  string   `json:"from"`
	}
	if !run.Options.Valid || json.Unmarshal([]byte(run.Options.String), &o) != nil {
		return false
	}
	if o.Named != nil {
		return *o.Named
	}
	return len(o.Pairs) > 0 || o.From != ""
}

// groupCandidates splits the candidates into proposed pairs and ambiguous records: a Harvest
// record with several Runn candidates is listed with them; a Runn record that several Harvest
// records point at, one of them with no other candidate, is listed from the Runn side with every
// Harvest record pointing at it (a pair may then show in both lists).
func groupCandidates(cands []candidate) ([]LinkEntry, []LinkAmbiguous) {
	proposed, ambiguous := []LinkEntry{}, []LinkAmbiguous{}
	runnSide := map[string]bool{}
	for _, c := range cands {
		if c.Status == "ambiguous" && c.HarvestSide == 1 {
			runnSide[fmt.Sprintf("%s %d", c.Kind, c.RunnID)] = true
		}
	}
	index := map[string]int{}
	add := func(key string, c candidate, fromHarvest bool) {
		i, ok := index[key]
		if !ok {
			a := LinkAmbiguous{Kind: c.Kind, Candidates: []LinkCandidate{}}
			if fromHarvest {
				a.HarvestID, a.Name = &c.HarvestID, c.HarvestName
			} else {
				a.RunnID, a.Name = &c.RunnID, c.RunnName
			}
			ambiguous = append(ambiguous, a)
			i = len(ambiguous) - 1
			index[key] = i
		}
		cand := LinkCandidate{Evidence: c.evidence()}
		if fromHarvest {
			cand.RunnID, cand.Name = &c.RunnID, c.RunnName
		} else {
			cand.HarvestID, cand.Name = &c.HarvestID, c.HarvestName
		}
		ambiguous[i].Candidates = append(ambiguous[i].Candidates, cand)
	}
	for _, c := range cands {
		if c.Status == "proposed" {
			proposed = append(proposed, c.entry())
			continue
		}
		if c.HarvestSide > 1 {
			add(fmt.Sprintf("%s harvest %d", c.Kind, c.HarvestID), c, true)
		}
		if rk := fmt.Sprintf("%s %d", c.Kind, c.RunnID); runnSide[rk] {
			add(rk+" runn", c, false)
		}
	}
	return proposed, ambiguous
}

func linkPair(e LinkEntry) load.LinkPair {
	return load.LinkPair{Kind: e.Kind, HarvestID: e.HarvestID, RunnID: e.RunnID,
		Label:  fmt.Sprintf("Harvest %s %d %q = Runn %s %d %q", e.Kind, e.HarvestID, e.HarvestName, e.Kind, e.RunnID, e.RunnName),
		Reason: fmt.Sprintf("%s: %q = %q", e.Evidence.ComparedOn, e.Evidence.HarvestValue, e.Evidence.RunnValue)}
}

// namedPairs checks the pairs the user named against the extracts and turns them into links.
// A pair R1 matches already is left out: it holds. A Harvest record that does not exist or is
// matched to another Runn record (R1), or a record named in two pairs, is refused before
// anything is written (ErrBadPair). A Runn record that carries a
// Harvest reference is refused by the write itself, which reads it first.
func namedPairs(ctx context.Context, db *sqlx.DB, pairs []Pair, cands []candidate) ([]LinkEntry, error) {
	names, err := recordNames(ctx, db)
	if err != nil {
		return nil, err
	}
	seenH, seenR := map[string]Pair{}, map[string]Pair{}
	out := []LinkEntry{}
	for _, p := range pairs {
		hk, rk := fmt.Sprintf("%s %d", p.Kind, p.HarvestID), fmt.Sprintf("%s %d", p.Kind, p.RunnID)
		if prev, ok := seenH[hk]; ok && prev != p {
			return nil, fmt.Errorf("%w: Harvest %s %d is paired with Runn %s %d and %d: keep one", ErrBadPair, p.Kind, p.HarvestID, p.Kind, prev.RunnID, p.RunnID)
		}
		if prev, ok := seenR[rk]; ok && prev != p {
			return nil, fmt.Errorf("%w: Runn %s %d is paired with Harvest %s %d and %d: keep one", ErrBadPair, p.Kind, p.RunnID, p.Kind, prev.HarvestID, p.HarvestID)
		}
		if _, dup := seenH[hk]; dup {
			continue
		}
		seenH[hk], seenR[rk] = p, p
		hname, ok := names["harvest "+hk]
		if !ok {
			return nil, fmt.Errorf("%w: Harvest has no %s %d (in this run's extract): check the id", ErrBadPair, p.Kind, p.HarvestID)
		}
		switch m, ok := names["matched "+hk]; {
		case ok && m == strconv.FormatInt(p.RunnID, 10):
			// Linked already (a row of a CSV made before its proposed pairs were linked): the
			// row holds, there is nothing to write.
			continue
		case ok:
			return nil, fmt.Errorf("%w: Harvest %s %d is matched already, to Runn %s %s (R1): nothing to link", ErrBadPair, p.Kind, p.HarvestID, p.Kind, m)
		}
		rname := names["runn "+rk]
		e := LinkEntry{Kind: p.Kind, HarvestID: p.HarvestID, HarvestName: hname, RunnID: p.RunnID, RunnName: rname,
			Evidence: LinkEvidence{ComparedOn: "named by the user", HarvestValue: hname, RunnValue: rname}}
		if i := slices.IndexFunc(cands, func(c candidate) bool {
			return c.Kind == p.Kind && c.HarvestID == p.HarvestID && c.RunnID == p.RunnID
		}); i >= 0 {
			e = cands[i].entry()
		}
		out = append(out, e)
	}
	return out, nil
}

// recordNames names every record of the extracts by "harvest|runn KIND ID", and every Harvest
// record R1 matches by "matched KIND ID" (its Runn id as the name).
func recordNames(ctx context.Context, db *sqlx.DB) (map[string]string, error) {
	var rows []struct {
		Key  string `db:"key"`
		Name string `db:"name"`
	}
	if err := db.SelectContext(ctx, &rows, `
		SELECT 'harvest client ' || harvest_client_id AS key, coalesce(name, '') AS name FROM staging.stg_harvest__clients
		UNION ALL SELECT 'harvest project ' || harvest_project_id, coalesce(name, '') FROM staging.stg_harvest__projects
		UNION ALL SELECT 'harvest person ' || harvest_user_id, trim(concat_ws(' ', first_name, last_name)) FROM staging.stg_harvest__users
		UNION ALL SELECT 'runn client ' || runn_client_id, coalesce(name, '') FROM staging.stg_runn__clients
		UNION ALL SELECT 'runn project ' || runn_project_id, coalesce(name, '') FROM staging.stg_runn__projects
		UNION ALL SELECT 'runn person ' || runn_person_id, trim(concat_ws(' ', first_name, last_name)) FROM staging.stg_runn__people
		UNION ALL SELECT 'matched ' || kind || ' ' || harvest_id, runn_id::VARCHAR
			FROM intermediate.int_identity__references WHERE match_rank = 1`); err != nil {
		return nil, fmt.Errorf("read the names of the extracts' records: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Name
	}
	return out, nil
}

// fillLinked lists, of the pairs sent, what the run linked (in this load or an earlier one of
// the same run: the audit trail's outcome of each pair) and what it did not, with why.
func fillLinked(ctx context.Context, db *sqlx.DB, res *LinkResult, entries []LinkEntry, lr load.Result) error {
	var confirmed []string
	if err := db.SelectContext(ctx, &confirmed, `SELECT kind || ' ' || target_key FROM (
			SELECT * FROM audit.write_log WHERE run_id = ? AND mode = 'apply' AND rule = ?
			QUALIFY row_number() OVER (PARTITION BY kind, target_key ORDER BY write_id DESC) = 1
		) WHERE status = 'confirmed'`, res.RunID, load.RuleLink); err != nil {
		return fmt.Errorf("read the links of run %d: %w", res.RunID, err)
	}
	notLinked := map[string]load.Problem{}
	for _, p := range lr.Rejected {
		notLinked[p.Kind+" "+p.Key] = p
	}
	for _, e := range entries {
		key := fmt.Sprintf("%s harvest:%d=runn:%d", e.Kind, e.HarvestID, e.RunnID)
		switch prob, refused := notLinked[key]; {
		case slices.Contains(confirmed, key):
			res.Linked = append(res.Linked, e)
		case refused:
			res.NotLinked = append(res.NotLinked, LinkProblem{Kind: e.Kind, Key: prob.Key, HarvestID: e.HarvestID, HarvestName: e.HarvestName,
				RunnID: e.RunnID, RunnName: e.RunnName, Rule: prob.Rule, Status: prob.Status, Message: prob.Message})
		}
	}
	return nil
}

// recordNamedPairs keeps the pairs the user named for the run (replacing those of an earlier
// attempt of it), where the candidate model reads them: a client named here counts as matched
// for its projects in the same run.
func recordNamedPairs(ctx context.Context, db *sqlx.DB, runID int64, pairs []Pair) error {
	tx, err := warehouse.BeginTx(ctx, db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta.link_pairs WHERE run_id = ?`, runID); err != nil {
		return fmt.Errorf("record the pairs named for run %d: %w", runID, err)
	}
	for _, p := range pairs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta.link_pairs (run_id, kind, harvest_id, runn_id) VALUES (?, ?, ?, ?)`,
			runID, p.Kind, p.HarvestID, p.RunnID); err != nil {
			return fmt.Errorf("record the pair %s %d=%d for run %d: %w", p.Kind, p.HarvestID, p.RunnID, runID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record the pairs named for run %d: %w", runID, err)
	}
	return nil
}
