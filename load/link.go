package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// RuleLink is the rule of a link's writes (R16).
const RuleLink = "R16"

// LinkAPI is what linking needs of Runn: read one record, and replace its references.
// *runn.API implements it.
type LinkAPI interface {
	GetClient(ctx context.Context, id int64) (runn.Client, error)
	GetProject(ctx context.Context, id int64) (runn.Project, error)
	GetPerson(ctx context.Context, id int64) (runn.Person, error)
	SetClientReferences(ctx context.Context, id int64, refs []runn.Reference) (runn.Client, error)
	SetProjectReferences(ctx context.Context, id int64, refs []runn.Reference) (runn.Project, error)
	SetPersonReferences(ctx context.Context, id int64, refs []runn.Reference) (runn.Person, error)
	Stats() runn.Stats
}

var _ LinkAPI = (*runn.API)(nil)

// LinkPair is one Harvest record to link to one Runn record of the same kind (R16).
type LinkPair struct {
	Kind      string `json:"kind"` // KindClient, KindProject or KindPerson
	HarvestID int64  `json:"harvest_id"`
	RunnID    int64  `json:"runn_id"`
	// Label names both records for people reading the trail; Reason is why they are a pair.
	Label  string `json:"label,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// linkKey is the trail's target key of a link: both ids, so that a revert knows the record.
func (p LinkPair) linkKey() string { return fmt.Sprintf("harvest:%d=runn:%d", p.HarvestID, p.RunnID) }

func (p LinkPair) intent() intent {
	return intent{kind: p.Kind, key: p.linkKey(), label: p.Label, rule: RuleLink, reason: p.Reason}
}

// parseLinkKey reads a link's target key back.
func parseLinkKey(key string) (harvestID, runnID int64, err error) {
	h, r, ok := strings.Cut(key, "=")
	if ok {
		harvestID, err = strconv.ParseInt(strings.TrimPrefix(h, "harvest:"), 10, 64)
		if err == nil {
			runnID, err = strconv.ParseInt(strings.TrimPrefix(r, "runn:"), 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("the trail's target key %q is not a link's (harvest:ID=runn:ID)", key)
	}
	return harvestID, runnID, nil
}

// LinkOptions configure Link.
type LinkOptions struct {
	RunID  int64
	Pairs  []LinkPair // in any order: they are written clients, projects, then people (R15)
	Logger *slog.Logger
}

// Link adds the Harvest reference of each pair to its Runn record, in R15's kind order, each
// as an audited write: the intent is recorded before the PATCH, Runn's answer after. Right
// before each PATCH the record is read again and its whole reference list sent back with the
// Harvest one added, so that nothing else is lost; a record that carries a Harvest reference by
// then (another one: someone linked it since the pairs were made) is left alone and reported. A
// run stopped at any point resumes when Link is called again with the same run: links
// confirmed are not sent again, and one whose answer was lost is settled by the read. It
// returns ErrRejected (wrapped) when some pairs were not linked.
func Link(ctx context.Context, w *warehouse.Warehouse, api LinkAPI, opts LinkOptions) (Result, error) {
	res := Result{RunID: opts.RunID, Mode: ModeApply, Rejected: []Problem{}}
	log := orDiscard(opts.Logger)
	prior, err := readPrior(ctx, w.DB, opts.RunID, ModeApply)
	if err != nil {
		return res, err
	}
	rec, err := startLoad(ctx, w.DB, opts.RunID, ModeApply)
	if err != nil {
		return res, err
	}
	res.LoadID = rec.loadID
	l := &linker{api: api, rec: rec, prior: prior, tally: newTally(nil), log: log, mode: ModeApply}
	pairs := slices.Clone(opts.Pairs)
	slices.SortStableFunc(pairs, func(a, b LinkPair) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
	for _, p := range pairs {
		l.tally.plan(p.Kind, RuleLink)
	}
	started, before := time.Now(), api.Stats()
	log.Info("link started", "run_id", opts.RunID, "load_id", rec.loadID, "pairs", len(pairs))
	for _, p := range pairs {
		if err = l.link(ctx, p); err != nil {
			break
		}
	}
	return l.close(ctx, &res, started, before, err)
}

func kindOrder(kind string) int { return slices.Index(Kinds(), kind) }

// linker writes one run's links.
type linker struct {
	api   LinkAPI
	rec   *recorder
	prior map[string]prior
	tally *tally
	log   *slog.Logger
	mode  string // ModeApply adds the reference, ModeRevert removes it
}

func (l *linker) close(ctx context.Context, res *Result, started time.Time, before runn.Stats, err error) (Result, error) {
	res.Duration = time.Since(started)
	addStats(res, before, l.api.Stats())
	l.tally.into(res)
	t := res.Totals()
	if err == nil && len(res.Rejected) > 0 {
		err = fmt.Errorf("run %d: %d of %d references were not changed (`harvest2runn audit --run %d` lists them): %w",
			res.RunID, t.Rejected+t.Skipped, t.Planned, res.RunID, ErrRejected)
	}
	if ferr := l.rec.finish(ctx, res, err, nil); ferr != nil && err == nil {
		err = ferr
	}
	l.log.Info("link finished", "run_id", res.RunID, "mode", res.Mode, "applied", t.Applied, "already_done", t.AlreadyDone,
		"reconciled", t.Reconciled, "not_changed", t.Rejected+t.Skipped)
	return *res, err
}

// link writes one pair (adds its reference; in a revert, removes it), unless an earlier load of
// the run in the same mode confirmed it.
func (l *linker) link(ctx context.Context, p LinkPair) error {
	prev, seen := l.prior[priorKey(p.Kind, p.linkKey())]
	if seen && prev.Status == statusConfirmed {
		l.tally.finished(p.Kind, RuleLink, "already_done", nil)
		return nil
	}
	refs, err := l.read(ctx, p)
	if err != nil {
		return l.readFailed(ctx, p, err)
	}
	ours, other := harvestRefs(refs, p.HarvestID)
	done := ours == (l.mode == ModeApply)
	if seen && prev.mayHaveLanded() {
		if done {
			// The earlier attempt whose answer was lost had landed.
			if err := l.rec.note(ctx, outcome{writeID: prev.WriteID, status: statusConfirmed, how: howRead, runnID: p.RunnID}); err != nil {
				return err
			}
			l.tally.finished(p.Kind, RuleLink, "reconciled", nil)
			return nil
		}
		if err := l.rec.note(ctx, outcome{writeID: prev.WriteID, status: statusNotFound, how: howRead}); err != nil {
			return err
		}
	}
	switch {
	case l.mode == ModeRevert && done:
		// Removed in Runn meanwhile: what the revert wants already holds, so it is no problem.
		why := fmt.Sprintf("Runn %s %d no longer carries Harvest reference %d: nothing to remove", p.Kind, p.RunnID, p.HarvestID)
		if err := l.rec.skip(ctx, []intent{p.intent()}, []string{why}); err != nil {
			return err
		}
		l.tally.finished(p.Kind, RuleLink, statusSkipped, nil)
		return nil
	case l.mode == ModeRevert:
		return l.send(ctx, p, withoutHarvestRef(refs, p.HarvestID))
	case ours:
		// Linked already (by hand, or by another run): nothing to send, and nothing a revert
		// of this run may remove, since this run did not add it.
		note := fmt.Sprintf("%s: Runn %s %d carries Harvest reference %d already: not sent", adoptedNote, p.Kind, p.RunnID, p.HarvestID)
		if err := l.rec.adopt(ctx, p.intent(), p.RunnID, note); err != nil {
			return err
		}
		l.tally.finished(p.Kind, RuleLink, "adopted", nil)
		return nil
	case other != "":
		return l.leave(ctx, p, fmt.Sprintf("Runn %s %d carries Harvest reference %s already (added since the pairs were made?): not overwritten; link another record, or remove that reference in Runn first",
			p.Kind, p.RunnID, other))
	}
	added := append(slices.Clone(refs), runn.Reference{ReferenceName: runn.HarvestReferenceName, ExternalID: strconv.FormatInt(p.HarvestID, 10)})
	return l.send(ctx, p, added)
}

// withoutHarvestRef is refs without the Harvest reference harvestID, every other kept in order.
func withoutHarvestRef(refs []runn.Reference, harvestID int64) []runn.Reference {
	out := []runn.Reference{}
	for _, r := range refs {
		if ours, _ := harvestRefs([]runn.Reference{r}, harvestID); !ours {
			out = append(out, r)
		}
	}
	return out
}

// readFailed turns a failed read into a refusal (the record is gone) or the error that stops.
func (l *linker) readFailed(ctx context.Context, p LinkPair, err error) error {
	var apiErr *runn.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return l.leave(ctx, p, fmt.Sprintf("Runn %s %d does not exist any more: nothing changed", p.Kind, p.RunnID))
	}
	return fmt.Errorf("read Runn %s %d before changing its references: %w", p.Kind, p.RunnID, err)
}

// leave records a pair that is not sent, and why; it counts as not landed.
func (l *linker) leave(ctx context.Context, p LinkPair, why string) error {
	if err := l.rec.skip(ctx, []intent{p.intent()}, []string{why}); err != nil {
		return err
	}
	l.log.Warn("references not changed", "kind", p.Kind, "runn_id", p.RunnID, "harvest_id", p.HarvestID, "why", why)
	l.tally.finished(p.Kind, RuleLink, statusSkipped, &Problem{Kind: p.Kind, Key: p.linkKey(), Label: p.Label, Rule: RuleLink,
		Status: statusSkipped, Message: why})
	return nil
}

// send records the intent, sends the whole list refs, and records Runn's answer.
func (l *linker) send(ctx context.Context, p LinkPair, refs []runn.Reference) error {
	path := recordPath(p.Kind, p.RunnID)
	body, err := json.Marshal(struct {
		References []runn.Reference `json:"references"`
	}{refs})
	if err != nil {
		return fmt.Errorf("encode the references of Runn %s %d: %w", p.Kind, p.RunnID, err)
	}
	reqID, ids, err := l.rec.send(ctx, p.Kind, http.MethodPatch, path, body, []intent{p.intent()})
	if err != nil {
		return err
	}
	start := time.Now()
	err = l.patch(ctx, p, refs)
	took := time.Since(start)
	apiErr, isRefusal := refusal(err)
	if !isRefusal && errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		isRefusal = true
	}
	switch {
	case err == nil:
		// Recorded first, then counted: a link whose answer the trail lacks is not "applied"
		// (the next load settles it by reading the record).
		if err := l.rec.answer(ctx, reqID, took, http.StatusOK, "ok", "",
			[]outcome{{writeID: ids[0], status: statusConfirmed, how: howAnswer, runnID: p.RunnID}}, nil); err != nil {
			return err
		}
		l.tally.finished(p.Kind, RuleLink, "applied", nil)
		return nil
	case isRefusal:
		msg := runnMessage(apiErr)
		l.log.Warn("Runn refused a reference change", "kind", p.Kind, "runn_id", p.RunnID, "message", msg)
		if err := l.rec.answer(ctx, reqID, took, apiErr.Status, "refused", msg,
			[]outcome{{writeID: ids[0], status: statusRejected, how: howAnswer, err: msg}}, nil); err != nil {
			return err
		}
		l.tally.finished(p.Kind, RuleLink, statusRejected, &Problem{Kind: p.Kind, Key: p.linkKey(), Label: p.Label, Rule: RuleLink,
			Status: statusRejected, Message: msg})
		return nil
	}
	// No answer, or one that does not say: the next load reads the record to learn.
	_ = l.rec.answer(ctx, reqID, took, httpStatus(err), "no_answer", err.Error(),
		[]outcome{{writeID: ids[0], status: statusUnknown, how: howAnswer, err: err.Error()}}, nil)
	return fmt.Errorf("change the references of Runn %s %d (%s): %w; run the command again to resume", p.Kind, p.RunnID, p.Label, err)
}

func recordPath(kind string, id int64) string {
	switch kind {
	case KindClient:
		return fmt.Sprintf("/clients/%d", id)
	case KindProject:
		return fmt.Sprintf("/projects/%d", id)
	}
	return fmt.Sprintf("/people/%d", id)
}

// read returns the record's references as Runn holds them now.
func (l *linker) read(ctx context.Context, p LinkPair) ([]runn.Reference, error) {
	switch p.Kind {
	case KindClient:
		r, err := l.api.GetClient(ctx, p.RunnID)
		return r.References, err
	case KindProject:
		r, err := l.api.GetProject(ctx, p.RunnID)
		return r.References, err
	case KindPerson:
		r, err := l.api.GetPerson(ctx, p.RunnID)
		return r.References, err
	}
	return nil, fmt.Errorf("cannot link a %q: only clients, projects and people are linked (R16)", p.Kind)
}

func (l *linker) patch(ctx context.Context, p LinkPair, refs []runn.Reference) error {
	var err error
	switch p.Kind {
	case KindClient:
		_, err = l.api.SetClientReferences(ctx, p.RunnID, refs)
	case KindProject:
		_, err = l.api.SetProjectReferences(ctx, p.RunnID, refs)
	default:
		_, err = l.api.SetPersonReferences(ctx, p.RunnID, refs)
	}
	return err
}

// harvestRefs says whether refs carry the Harvest reference harvestID (as R1 reads them, the
// same reading as the check before a create: harvestRefID), and names another Harvest reference
// they carry, if any.
func harvestRefs(refs []runn.Reference, harvestID int64) (ours bool, other string) {
	for _, r := range refs {
		id, ok := harvestRefID(r)
		switch {
		case !ok:
		case id == harvestID:
			ours = true
		case other == "":
			other = r.ExternalID
		}
	}
	return ours, other
}
