package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
)

// maxCreateSends bounds how often one create is sent in one load when Runn keeps not answering
// (each time after a read found it had not landed).
const maxCreateSends = 3

// applier applies one load's changes. The Runn ids of the records the run creates resolve the
// references of the changes after them.
type applier struct {
	api     API
	rec     *recorder
	prior   map[string]prior
	tally   *tally
	log     *slog.Logger
	workers int

	roles    map[string]int64 // role key -> Runn id, for roles this run creates
	clients  map[int64]int64  // Harvest client id -> Runn id
	projects map[int64]int64  // Harvest project id -> Runn id
	people   map[int64]int64  // Harvest user id -> Runn id
	notMade  map[string]string

	// lookFirst: read Runn before every create, not only after an unanswered one. Set when an
	// old plan is sent (replay --apply): a later run may have created the record since.
	lookFirst bool
}

func newApplier(api API, rec *recorder, prior map[string]prior, workers int, progress func(Progress), log *slog.Logger) *applier {
	if workers <= 0 {
		workers = DefaultWorkers
	}
	return &applier{api: api, rec: rec, prior: prior, tally: newTally(progress), log: log, workers: workers,
		roles: map[string]int64{}, clients: map[int64]int64{}, projects: map[int64]int64{}, people: map[int64]int64{},
		notMade: map[string]string{}}
}

// applyPlan applies the changes in the order of R15; a kind is complete before the next starts.
func (a *applier) applyPlan(ctx context.Context, p Plan) error {
	for _, c := range p.Roles {
		a.tally.plan(KindRole, c.Rule)
	}
	for _, c := range p.Clients {
		a.tally.plan(KindClient, c.Rule)
	}
	for _, c := range p.Projects {
		a.tally.plan(KindProject, c.Rule)
	}
	for _, c := range p.People {
		a.tally.plan(KindPerson, c.Rule)
	}
	for _, c := range p.Actuals {
		a.tally.plan(KindActual, c.Rule)
	}
	for _, c := range p.Roles {
		if err := a.createRole(ctx, c); err != nil {
			return err
		}
	}
	for _, c := range p.Clients {
		if err := a.createClient(ctx, c); err != nil {
			return err
		}
	}
	for _, c := range p.Projects {
		if err := a.createProject(ctx, c); err != nil {
			return err
		}
	}
	for _, c := range p.People {
		if err := a.createPerson(ctx, c); err != nil {
			return err
		}
	}
	return a.applyActuals(ctx, p.Actuals)
}

// createSpec is one record to create.
type createSpec struct {
	kind, key, label, rule, reason, path string
	body                                 any
	skip                                 string // set: not sent, for this reason
	send                                 func(ctx context.Context) (int64, error)
	// find reads Runn for the record, for a create that may have landed unanswered.
	find func(ctx context.Context) (int64, bool, error)
}

// create makes sure the record exists, once, and returns its Runn id, or 0 and why it does not.
func (a *applier) create(ctx context.Context, s createSpec) (int64, string, error) {
	p, seen := a.prior[priorKey(s.kind, s.key)]
	if seen && p.Status == statusConfirmed && p.RunnID.Valid {
		a.tally.finished(s.kind, s.rule, "already_done", nil)
		return p.RunnID.Int64, "", nil
	}
	it := intent{kind: s.kind, key: s.key, label: s.label, rule: s.rule, reason: s.reason}
	problem := func(status, msg string) *Problem {
		return &Problem{Kind: s.kind, Key: s.key, Label: s.label, Rule: s.rule, Status: status, Message: msg}
	}
	if s.skip != "" {
		if err := a.rec.skip(ctx, []intent{it}, []string{s.skip}); err != nil {
			return 0, "", err
		}
		a.tally.finished(s.kind, s.rule, statusSkipped, problem(statusSkipped, s.skip))
		return 0, "not sent: " + s.skip, nil
	}
	body, err := json.Marshal(s.body)
	if err != nil {
		return 0, "", fmt.Errorf("encode the create of %s %s: %w", s.kind, s.key, err)
	}
	if a.lookFirst && !seen {
		id, found, err := s.find(ctx)
		if err != nil {
			return 0, "", fmt.Errorf("%s %s (%s): reading Runn before sending an old plan's create: %w", s.kind, s.key, s.label, err)
		}
		if found {
			a.log.Info("an old plan's create is in Runn already: not sent", "kind", s.kind, "key", s.key, "runn_id", id)
			a.tally.finished(s.kind, s.rule, "already_done", nil)
			return id, "", nil
		}
	}
	unsure, last := seen && p.mayHaveLanded(), p.WriteID
	for sends := 0; ; sends++ {
		if unsure {
			id, found, err := s.find(ctx)
			if err != nil {
				return 0, "", fmt.Errorf("%s %s (%s): reading Runn to learn whether an unanswered create landed: %w", s.kind, s.key, s.label, err)
			}
			if found {
				if err := a.rec.note(ctx, outcome{writeID: last, status: statusConfirmed, how: "read", runnID: id}); err != nil {
					return 0, "", err
				}
				a.log.Info("an unanswered create had landed: found it in Runn", "kind", s.kind, "key", s.key, "runn_id", id)
				a.tally.finished(s.kind, s.rule, "reconciled", nil)
				return id, "", nil
			}
			if err := a.rec.note(ctx, outcome{writeID: last, status: statusNotFound, how: "read"}); err != nil {
				return 0, "", err
			}
		}
		if sends == maxCreateSends {
			return 0, "", fmt.Errorf("%s %s (%s): Runn did not answer %d creates in a row (none landed); run the load again later to resume",
				s.kind, s.key, s.label, sends)
		}
		reqID, ids, err := a.rec.send(ctx, s.kind, http.MethodPost, s.path, body, []intent{it})
		if err != nil {
			return 0, "", err
		}
		last = ids[0]
		start := time.Now()
		id, err := s.send(ctx)
		took := time.Since(start)
		if err == nil {
			if err := a.rec.answer(ctx, reqID, took, http.StatusCreated, "ok", "",
				[]outcome{{writeID: last, status: statusConfirmed, how: "answer", runnID: id}}, nil); err != nil {
				return 0, "", err
			}
			a.tally.finished(s.kind, s.rule, "applied", nil)
			return id, "", nil
		}
		if apiErr, ok := refusal(err); ok {
			msg := runnMessage(apiErr)
			if err := a.rec.answer(ctx, reqID, took, apiErr.Status, "refused", msg,
				[]outcome{{writeID: last, status: statusRejected, how: "answer", err: msg}}, nil); err != nil {
				return 0, "", err
			}
			a.log.Warn("Runn rejected a create", "kind", s.kind, "key", s.key, "label", s.label, "message", msg)
			a.tally.finished(s.kind, s.rule, statusRejected, problem(statusRejected, msg))
			return 0, "Runn rejected it: " + msg, nil
		}
		if errors.Is(err, runn.ErrOutcomeUnknown) && ctx.Err() == nil {
			// Read before sending again: the create may have landed with only its answer lost.
			if err := a.rec.answer(ctx, reqID, took, httpStatus(err), "no_answer", err.Error(),
				[]outcome{{writeID: last, status: statusUnknown, how: "answer", err: err.Error()}}, nil); err != nil {
				return 0, "", err
			}
			a.log.Warn("no answer to a create: reading Runn before sending it again", "kind", s.kind, "key", s.key, "err", err)
			unsure = true
			continue
		}
		// Best effort: when ctx is cancelled this fails, which leaves the attempt pending, as a
		// crash would; the next load reconciles it either way.
		_ = a.rec.answer(ctx, reqID, took, httpStatus(err), "failed", err.Error(),
			[]outcome{{writeID: last, status: statusUnknown, how: "answer", err: err.Error()}}, nil)
		return 0, "", fmt.Errorf("create %s %s (%s): %w", s.kind, s.key, s.label, err)
	}
}

// missing says why a record a change needs has no Runn id.
func (a *applier) missing(kind, key string) string {
	if why, ok := a.notMade[priorKey(kind, key)]; ok {
		return fmt.Sprintf("%s %s was not created (%s)", kind, key, why)
	}
	return fmt.Sprintf("%s %s is neither in Runn nor created by this run", kind, key)
}

func (a *applier) createRole(ctx context.Context, c RoleChange) error {
	in := runn.RoleInput{Name: c.Name}
	if c.HarvestRoleID != nil {
		in.References = harvestRef(*c.HarvestRoleID)
	}
	key := roleTargetKey(c.RoleKey)
	id, why, err := a.create(ctx, createSpec{
		kind: KindRole, key: key, label: c.Name, rule: c.Rule, reason: c.Reason, path: "/roles/", body: in,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreateRole(ctx, in)
			return r.ID, err
		},
		find: func(ctx context.Context) (int64, bool, error) { return a.findRole(ctx, c) },
	})
	a.remember(KindRole, key, id, why, func(id int64) { a.roles[c.RoleKey] = id })
	return err
}

func (a *applier) createClient(ctx context.Context, c ClientChange) error {
	in := runn.ClientInput{Name: c.Name, References: harvestRef(c.HarvestClientID)}
	key := harvestKey(c.HarvestClientID)
	id, why, err := a.create(ctx, createSpec{
		kind: KindClient, key: key, label: c.Name, rule: c.Rule, reason: c.Reason, path: "/clients/", body: in,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreateClient(ctx, in)
			return r.ID, err
		},
		find: func(ctx context.Context) (int64, bool, error) { return a.findClient(ctx, c.HarvestClientID) },
	})
	a.remember(KindClient, key, id, why, func(id int64) { a.clients[c.HarvestClientID] = id })
	return err
}

func (a *applier) createProject(ctx context.Context, c ProjectChange) error {
	confirmed := true
	in := runn.ProjectInput{Name: c.Name, IsConfirmed: &confirmed, Budget: c.Budget, PricingModel: c.PricingModel,
		References: harvestRef(c.HarvestProjectID)}
	var skip string
	switch {
	case c.RunnClientID != nil:
		in.ClientID = *c.RunnClientID
	case c.HarvestClientID != nil && a.clients[*c.HarvestClientID] != 0:
		in.ClientID = a.clients[*c.HarvestClientID]
	case c.HarvestClientID != nil:
		skip = a.missing(KindClient, harvestKey(*c.HarvestClientID))
	default:
		skip = "the plan gives it no client"
	}
	key := harvestKey(c.HarvestProjectID)
	id, why, err := a.create(ctx, createSpec{
		kind: KindProject, key: key, label: c.Name, rule: c.Rule, reason: c.Reason, path: "/projects/", body: in, skip: skip,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreateProject(ctx, in)
			return r.ID, err
		},
		find: func(ctx context.Context) (int64, bool, error) {
			found, err := a.api.FindProjectsByExternalID(ctx, strconv.FormatInt(c.HarvestProjectID, 10))
			id := lowestReferenced(found, c.HarvestProjectID, func(p runn.Project) (int64, []runn.Reference) { return p.ID, p.References })
			return id, id != 0 && err == nil, err
		},
	})
	a.remember(KindProject, key, id, why, func(id int64) { a.projects[c.HarvestProjectID] = id })
	return err
}

func (a *applier) createPerson(ctx context.Context, c PersonChange) error {
	in := runn.PersonInput{FirstName: c.FirstName, LastName: c.LastName, References: harvestRef(c.HarvestUserID),
		CostPerHour: c.CostPerHour}
	if c.Email != nil {
		in.Email = strings.TrimSpace(*c.Email)
	}
	if c.StartDate != nil {
		in.StartDate = *c.StartDate
	}
	if c.EmploymentType != nil {
		in.EmploymentType = *c.EmploymentType
	}
	var skip string
	switch {
	case c.RunnRoleID != nil:
		in.RoleID = *c.RunnRoleID
	case c.RoleKey != nil && a.roles[*c.RoleKey] != 0:
		in.RoleID = a.roles[*c.RoleKey]
	case c.RoleKey != nil:
		skip = a.missing(KindRole, roleTargetKey(*c.RoleKey))
	default:
		skip = "the plan gives them no role"
	}
	key := harvestKey(c.HarvestUserID)
	label := strings.TrimSpace(c.FirstName + " " + c.LastName)
	id, why, err := a.create(ctx, createSpec{
		kind: KindPerson, key: key, label: label, rule: c.Rule, reason: c.Reason, path: "/people/", body: in, skip: skip,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreatePerson(ctx, in)
			return r.ID, err
		},
		find: func(ctx context.Context) (int64, bool, error) {
			found, err := a.api.FindPeopleByExternalID(ctx, strconv.FormatInt(c.HarvestUserID, 10))
			id := lowestReferenced(found, c.HarvestUserID, func(p runn.Person) (int64, []runn.Reference) { return p.ID, p.References })
			return id, id != 0 && err == nil, err
		},
	})
	a.remember(KindPerson, key, id, why, func(id int64) { a.people[c.HarvestUserID] = id })
	return err
}

// remember keeps a created record's id for the changes that refer to it, or why there is none.
func (a *applier) remember(kind, key string, id int64, why string, keep func(int64)) {
	if id != 0 {
		keep(id)
		return
	}
	if why != "" {
		a.notMade[priorKey(kind, key)] = why
	}
}
