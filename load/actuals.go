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

// refused is Runn's refusal of one bulk call.
type refused struct {
	msg   string
	named map[int]string // the parts of msg about the items it names, by index in the call
	ids   []int64        // the call's attempts, one per item
}

// notAbout says whether a refusal of part of a refused call says nothing about that part's own
// items: its message names none, or it is the very message the whole call got.
func (r *refused) notAbout(parent *refused) bool { return len(r.named) == 0 || r.msg == parent.msg }

// bulk sends items in one POST /actuals/bulk/ and, when Runn refuses the call, finds out which
// items it refuses (settle). Every good item lands.
func (a *applier) bulk(ctx context.Context, items []*actualItem) error {
	r, err := a.sendBulk(ctx, items)
	if err != nil || r == nil || len(items) == 1 {
		return err
	}
	return a.settle(ctx, items, r)
}

// sendBulk sends items in one call and records Runn's answer. When Runn refuses the call, a
// single item is rejected with Runn's message, and several are marked split (the caller decides
// what becomes of them); the refusal is returned either way.
func (a *applier) sendBulk(ctx context.Context, items []*actualItem) (*refused, error) {
	inputs := make([]runn.ActualInput, len(items))
	intents := make([]intent, len(items))
	for i, item := range items {
		inputs[i], intents[i] = item.in, item.it
	}
	body, err := json.Marshal(struct {
		Actuals []runn.ActualInput `json:"actuals"`
	}{inputs})
	if err != nil {
		return nil, fmt.Errorf("encode a bulk actuals call: %w", err)
	}
	reqID, ids, err := a.rec.send(ctx, KindActual, http.MethodPost, bulkActualsPath, body, intents)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	out, err := a.api.CreateActualsBulk(ctx, inputs)
	took := time.Since(start)
	if err == nil {
		return nil, a.landed(ctx, reqID, took, items, ids, out)
	}
	apiErr, isRefusal := refusal(err)
	if !isRefusal {
		// Best effort (fails when ctx is cancelled); unconfirmed actuals are resent next time.
		outs := make([]outcome, len(items))
		for i := range items {
			outs[i] = outcome{writeID: ids[i], status: statusUnknown, how: howAnswer, err: err.Error()}
		}
		_ = a.rec.answer(ctx, reqID, took, httpStatus(err), "failed", err.Error(), outs, nil)
		return nil, fmt.Errorf("send %d actuals (POST %s): %w", len(items), bulkActualsPath, err)
	}
	r := &refused{msg: runnMessage(apiErr), ids: ids}
	r.named = itemMessages(r.msg, len(items))
	outs := make([]outcome, len(items))
	for i := range items {
		outs[i] = outcome{writeID: ids[i], status: statusSplit, how: howAnswer, err: r.named[i]}
		if len(items) == 1 {
			outs[i].status, outs[i].err = statusRejected, cmp.Or(r.named[i], r.msg)
		}
	}
	if err := a.rec.answer(ctx, reqID, took, apiErr.Status, "refused", r.msg, outs, nil); err != nil {
		return nil, err
	}
	if len(items) == 1 {
		it := items[0].it
		a.log.Warn("Runn rejected an actual", "key", it.key, "message", outs[0].err)
		a.tally.finished(KindActual, it.rule, statusRejected,
			&Problem{Kind: KindActual, Key: it.key, Rule: it.rule, Status: statusRejected, Message: outs[0].err})
	}
	return r, nil
}

// settle finds out which items of a refused call of several Runn refuses, and sends the others
// again. The items Runn's message names are sent alone and the rest together. A message naming
// none halves the call. Splitting stops where Runn's refusal proves not to be about particular
// items: both halves refused again for a reason naming no item (or with the whole call's very
// message), or a part refused with the message of the call it was split from. Runn then refuses
// whatever the call holds (a blanket 400), and halving down to single items would cost about two
// requests per item to learn nothing: every item of those parts is rejected with Runn's message,
// and a later call refused with that same message is rejected without being split. So a call
// costs at most three requests when every part is refused alike, and about one per bad item when
// Runn names them.
func (a *applier) settle(ctx context.Context, items []*actualItem, r *refused) error {
	if len(r.named) == 0 && a.isBlanket(r.msg) {
		return a.rejectAll(ctx, items, r)
	}
	if len(r.named) > 0 {
		for _, part := range splitRefused(items, r.named) {
			sub, err := a.sendBulk(ctx, part)
			switch {
			case err != nil:
				return err
			case sub == nil || len(part) == 1:
			case sub.msg == r.msg:
				// Refused as the whole call was, for other items: the message is not about them.
				err = a.rejectAll(ctx, part, sub)
			default:
				err = a.settle(ctx, part, sub)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	half := len(items) / 2
	parts := [2][]*actualItem{items[:half], items[half:]}
	var subs [2]*refused
	for i, part := range parts {
		sub, err := a.sendBulk(ctx, part)
		if err != nil {
			return err
		}
		subs[i] = sub
	}
	if subs[0] != nil && subs[1] != nil && subs[0].notAbout(r) && subs[1].notAbout(r) && len(items) > 2 {
		a.log.Warn("Runn refuses every part of a bulk call alike, for a reason that names no item: its actuals are rejected without splitting further",
			"actuals", len(items), "message", r.msg)
		if len(parts[0]) > 1 && len(parts[1]) > 1 {
			// Two calls of several items each refused alike: later calls refused so are too.
			a.blanket(r.msg, subs[0].msg, subs[1].msg)
		}
		for i, part := range parts {
			if len(part) > 1 {
				if err := a.rejectAll(ctx, part, subs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i, part := range parts {
		if subs[i] != nil && len(part) > 1 {
			if err := a.settle(ctx, part, subs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// rejectAll rejects every item of a refused call with Runn's message: its refusal was found not
// to be about particular items, so it is not split further.
func (a *applier) rejectAll(ctx context.Context, items []*actualItem, r *refused) error {
	outs := make([]outcome, len(items))
	for i := range items {
		outs[i] = outcome{writeID: r.ids[i], status: statusRejected, how: howAnswer, err: r.msg}
	}
	if err := a.rec.note(ctx, outs...); err != nil {
		return err
	}
	for _, item := range items {
		a.tally.finished(KindActual, item.it.rule, statusRejected,
			&Problem{Kind: KindActual, Key: item.it.key, Rule: item.it.rule, Status: statusRejected, Message: r.msg})
	}
	return nil
}

// blanket remembers messages Runn refused bulk calls with whatever they held.
func (a *applier) blanket(msgs ...string) {
	a.blanketMu.Lock()
	defer a.blanketMu.Unlock()
	for _, m := range msgs {
		a.blanketMsgs[m] = true
	}
}

func (a *applier) isBlanket(msg string) bool {
	a.blanketMu.Lock()
	defer a.blanketMu.Unlock()
	return a.blanketMsgs[msg]
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
