package load

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/runn"
)

const bulkActualsPath = "/actuals/bulk/"

// actualItem is one actual ready to send.
type actualItem struct {
	it intent
	in runn.ActualInput
}

// applyActuals sends the actuals not confirmed yet, in bulk calls of up to runn.MaxBulkActuals,
// a few at once. Actuals whose person, project or role the run failed to create are skipped.
func (a *applier) applyActuals(ctx context.Context, changes []ActualChange) error {
	var todo []*actualItem
	var skipped []intent
	var why []string
	for _, c := range changes {
		key := actualTargetKey(c)
		if p, ok := a.prior[priorKey(KindActual, key)]; ok && p.Status == statusConfirmed {
			a.tally.finished(KindActual, c.Rule, "already_done", nil)
			continue
		}
		in, skip := a.resolveActual(c)
		it := intent{kind: KindActual, key: key, rule: c.Rule, reason: c.Reason}
		if skip != "" {
			skipped = append(skipped, it)
			why = append(why, skip)
			continue
		}
		it.actual = &in
		todo = append(todo, &actualItem{it: it, in: in})
	}
	if len(skipped) > 0 {
		if err := a.rec.skip(ctx, skipped, why); err != nil {
			return err
		}
		for i, it := range skipped {
			a.tally.finished(KindActual, it.rule, statusSkipped,
				&Problem{Kind: KindActual, Key: it.key, Rule: it.rule, Status: statusSkipped, Message: why[i]})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.workers)
	for start := 0; start < len(todo); start += runn.MaxBulkActuals {
		batch := todo[start:min(start+runn.MaxBulkActuals, len(todo))]
		g.Go(func() error { return a.bulk(gctx, batch) })
	}
	return g.Wait()
}

// resolveActual fills in the Runn ids of the records created this run, or says which is missing.
func (a *applier) resolveActual(c ActualChange) (runn.ActualInput, string) {
	in := runn.ActualInput{Date: c.Date, BillableMinutes: c.BillableMinutes, NonbillableMinutes: c.NonbillableMinutes}
	var missing []string
	resolve := func(runnID, harvestID *int64, created map[int64]int64, kind string) int64 {
		switch {
		case runnID != nil:
			return *runnID
		case harvestID != nil && created[*harvestID] != 0:
			return created[*harvestID]
		case harvestID != nil:
			missing = append(missing, a.missing(kind, harvestKey(*harvestID)))
		default:
			missing = append(missing, "the plan gives it no "+kind)
		}
		return 0
	}
	in.PersonID = resolve(c.RunnPersonID, c.HarvestUserID, a.people, KindPerson)
	in.ProjectID = resolve(c.RunnProjectID, c.HarvestProjectID, a.projects, KindProject)
	switch {
	case c.RunnRoleID != nil:
		in.RoleID = *c.RunnRoleID
	case c.RoleKey != nil && a.roles[*c.RoleKey] != 0:
		in.RoleID = a.roles[*c.RoleKey]
	case c.RoleKey != nil:
		missing = append(missing, a.missing(KindRole, roleTargetKey(*c.RoleKey)))
	default:
		missing = append(missing, "the plan gives it no role")
	}
	return in, strings.Join(missing, "; ")
}

// bulk sends items in one POST /actuals/bulk/. When Runn refuses the call, the items its message
// names are sent one by one and the others together; a message naming none halves the batch; a
// single refused item is rejected with Runn's message. Every good item lands.
func (a *applier) bulk(ctx context.Context, items []*actualItem) error {
	inputs := make([]runn.ActualInput, len(items))
	intents := make([]intent, len(items))
	for i, item := range items {
		inputs[i], intents[i] = item.in, item.it
	}
	body, err := json.Marshal(struct {
		Actuals []runn.ActualInput `json:"actuals"`
	}{inputs})
	if err != nil {
		return fmt.Errorf("encode a bulk actuals call: %w", err)
	}
	reqID, ids, err := a.rec.send(ctx, KindActual, http.MethodPost, bulkActualsPath, body, intents)
	if err != nil {
		return err
	}
	start := time.Now()
	out, err := a.api.CreateActualsBulk(ctx, inputs)
	took := time.Since(start)
	if err == nil {
		return a.landed(ctx, reqID, took, items, ids, out)
	}
	apiErr, refused := refusal(err)
	if !refused {
		// Best effort (fails when ctx is cancelled); unconfirmed actuals are resent next time.
		outs := make([]outcome, len(items))
		for i := range items {
			outs[i] = outcome{writeID: ids[i], status: statusUnknown, how: "answer", err: err.Error()}
		}
		_ = a.rec.answer(ctx, reqID, took, httpStatus(err), "failed", err.Error(), outs, nil)
		return fmt.Errorf("send %d actuals (POST %s): %w", len(items), bulkActualsPath, err)
	}
	msg := runnMessage(apiErr)
	named := itemMessages(msg, len(items))
	outs := make([]outcome, len(items))
	for i := range items {
		outs[i] = outcome{writeID: ids[i], status: statusSplit, how: "answer", err: named[i]}
		if len(items) == 1 {
			outs[i].status, outs[i].err = statusRejected, cmp.Or(named[i], msg)
		}
	}
	if err := a.rec.answer(ctx, reqID, took, apiErr.Status, "refused", msg, outs, nil); err != nil {
		return err
	}
	if len(items) == 1 {
		it := items[0].it
		a.log.Warn("Runn rejected an actual", "key", it.key, "message", outs[0].err)
		a.tally.finished(KindActual, it.rule, statusRejected,
			&Problem{Kind: KindActual, Key: it.key, Rule: it.rule, Status: statusRejected, Message: outs[0].err})
		return nil
	}
	for _, part := range splitRefused(items, named) {
		if err := a.bulk(ctx, part); err != nil {
			return err
		}
	}
	return nil
}

// landed records a bulk call Runn accepted: each item is confirmed with the id of the actual in
// the answer that has its key.
func (a *applier) landed(ctx context.Context, reqID int64, took time.Duration, items []*actualItem, ids []int64, out []runn.Actual) error {
	byKey := make(map[string]int64, len(out))
	for _, o := range out {
		if o.WorkstreamID == nil {
			byKey[resolvedActualKey(runn.ActualInput{Date: o.Date, PersonID: o.PersonID, ProjectID: o.ProjectID, RoleID: o.RoleID})] = o.ID
		}
	}
	outs := make([]outcome, len(items))
	var confirmed []runn.ActualInput
	var problems []*Problem
	for i, item := range items {
		id, ok := byKey[resolvedActualKey(item.in)]
		if !ok {
			// Not seen in practice: say so, and let the next load send it again.
			const msg = "Runn accepted the bulk call but its answer does not include this actual; the next load sends it again"
			outs[i] = outcome{writeID: ids[i], status: statusRejected, how: "answer", err: msg}
			problems = append(problems, &Problem{Kind: KindActual, Key: item.it.key, Rule: item.it.rule, Status: statusRejected, Message: msg})
			continue
		}
		outs[i] = outcome{writeID: ids[i], status: statusConfirmed, how: "answer", runnID: id}
		confirmed = append(confirmed, item.in)
		problems = append(problems, nil)
	}
	if err := a.rec.answer(ctx, reqID, took, http.StatusOK, "ok", "", outs, confirmed); err != nil {
		return err
	}
	for i, item := range items {
		if outs[i].status == statusConfirmed {
			a.tally.finished(KindActual, item.it.rule, "applied", nil)
		} else {
			a.tally.finished(KindActual, item.it.rule, statusRejected, problems[i])
		}
	}
	return nil
}

// splitRefused divides a refused batch: the items Runn's message did not name together first
// (they are most of it), then each named item alone. With no usable names, the two halves.
func splitRefused(items []*actualItem, named map[int]string) [][]*actualItem {
	if len(named) == 0 {
		half := len(items) / 2
		return [][]*actualItem{items[:half], items[half:]}
	}
	var good []*actualItem
	var alone [][]*actualItem
	for i, item := range items {
		if _, bad := named[i]; bad {
			alone = append(alone, []*actualItem{item})
		} else {
			good = append(good, item)
		}
	}
	if len(good) == 0 {
		return alone
	}
	return append([][]*actualItem{good}, alone...)
}

// itemRef finds where a message names an item of the request's actuals array, as validators
// word it ("body/actuals/3: Project with id 9 not found.", "body/actuals/0/date: must match ...").
var itemRef = regexp.MustCompile(`actuals/(\d+)(?:/([A-Za-z]+))?:\s*`)

// itemMessages splits Runn's message about a refused bulk call into the part about each item it
// names (index into a batch of n). Runn does not document the format: an index out of range is
// ignored, and a message naming no item gives none (the caller then halves the batch).
func itemMessages(msg string, n int) map[int]string {
	out := map[int]string{}
	locs := itemRef.FindAllStringSubmatchIndex(msg, -1)
	for k, loc := range locs {
		i, err := strconv.Atoi(msg[loc[2]:loc[3]])
		if err != nil || i < 0 || i >= n {
			continue
		}
		end := len(msg)
		if k+1 < len(locs) {
			end = locs[k+1][0]
			// Back up over the next reference's own prefix ("; body/").
			if j := strings.LastIndexAny(msg[loc[1]:end], ";\n"); j >= 0 {
				end = loc[1] + j
			}
		}
		part := strings.TrimSpace(msg[loc[1]:end])
		if loc[4] >= 0 {
			part = msg[loc[4]:loc[5]] + ": " + part
		}
		if prev, ok := out[i]; ok {
			part = prev + "; " + part
		}
		out[i] = part
	}
	return out
}
