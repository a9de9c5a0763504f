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
	"sync"
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

	// blanketMsgs are messages Runn refused bulk calls with whatever they held (see settle);
	// bulk calls run concurrently, hence the lock.
	blanketMu   sync.Mutex
	blanketMsgs map[string]bool
}

func newApplier(api API, rec *recorder, prior map[string]prior, workers int, progress func(Progress), log *slog.Logger) *applier {
	if workers <= 0 {
		workers = DefaultWorkers
	}
	return &applier{api: api, rec: rec, prior: prior, tally: newTally(progress), log: log, workers: workers,
		roles: map[string]int64{}, clients: map[int64]int64{}, projects: map[int64]int64{}, people: map[int64]int64{},
		notMade: map[string]string{}, blanketMsgs: map[string]bool{}}
}

// applyPlan applies the changes in the order of R15; a kind is complete before the next starts.
// Right before the creates of a kind, Runn is read for the records they would make (R17, R1):
// whatever the run's snapshot said, one Runn already has is adopted, never created again.
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
	roles, err := lookBeforeCreating(ctx, a, KindRole, p.Roles, RoleChange.targetKey,
		func(ctx context.Context, _ []RoleChange) ([]runn.Role, error) { return a.api.ListRoles(ctx) }, matchRole)
	if err != nil {
		return err
	}
	for _, c := range p.Roles {
		if err := a.createRole(ctx, c, roles[c.targetKey()]); err != nil {
			return err
		}
	}
	clients, err := lookBeforeCreating(ctx, a, KindClient, p.Clients, ClientChange.targetKey,
		func(ctx context.Context, _ []ClientChange) ([]runn.Client, error) { return a.api.ListClients(ctx) },
		func(clients []runn.Client, c ClientChange) int64 {
			return lowestReferenced(clients, c.HarvestClientID, func(c runn.Client) (int64, []runn.Reference) { return c.ID, c.References })
		})
	if err != nil {
		return err
	}
	for _, c := range p.Clients {
		if err := a.createClient(ctx, c, clients[c.targetKey()]); err != nil {
			return err
		}
	}
	projects, err := lookBeforeCreating(ctx, a, KindProject, p.Projects, ProjectChange.targetKey,
		func(ctx context.Context, todo []ProjectChange) ([]runn.Project, error) {
			if len(todo) == 1 {
				// One create: Runn's externalId filter answers in one request, a listing may take several.
				return a.api.FindProjectsByExternalID(ctx, strconv.FormatInt(todo[0].HarvestProjectID, 10))
			}
			return a.api.ListProjects(ctx)
		},
		func(projects []runn.Project, c ProjectChange) int64 {
			return lowestReferenced(projects, c.HarvestProjectID, func(p runn.Project) (int64, []runn.Reference) { return p.ID, p.References })
		})
	if err != nil {
		return err
	}
	for _, c := range p.Projects {
		if err := a.createProject(ctx, c, projects[c.targetKey()]); err != nil {
			return err
		}
	}
	people, err := lookBeforeCreating(ctx, a, KindPerson, p.People, PersonChange.targetKey,
		func(ctx context.Context, todo []PersonChange) ([]runn.Person, error) {
			if len(todo) == 1 {
				return a.api.FindPeopleByExternalID(ctx, strconv.FormatInt(todo[0].HarvestUserID, 10))
			}
			return a.api.ListPeople(ctx)
		},
		func(people []runn.Person, c PersonChange) int64 {
			return lowestReferenced(people, c.HarvestUserID, func(p runn.Person) (int64, []runn.Reference) { return p.ID, p.References })
		})
	if err != nil {
		return err
	}
	for _, c := range p.People {
		if err := a.createPerson(ctx, c, people[c.targetKey()]); err != nil {
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
	// find reads Runn for the record, for a create of this load that may have landed unanswered.
	find func(ctx context.Context) (int64, bool, error)
	// inRunn is the Runn id of the record as the read right before this kind's creates found
	// it; 0 when Runn did not have it then.
	inRunn int64
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
	// An earlier load's create that got no answer: the read before this kind's creates says
	// whether it landed.
	unsure := seen && p.mayHaveLanded()
	if s.inRunn != 0 && unsure {
		if err := a.rec.note(ctx, outcome{writeID: p.WriteID, status: statusConfirmed, how: howRead, runnID: s.inRunn}); err != nil {
			return 0, "", err
		}
		a.log.Info("an unanswered create had landed: found it in Runn", "kind", s.kind, "key", s.key, "runn_id", s.inRunn)
		a.tally.finished(s.kind, s.rule, "reconciled", nil)
		return s.inRunn, "", nil
	}
	if s.inRunn != 0 {
		// Whatever the snapshot said, Runn has it (R17, R1): a stale or incomplete snapshot, or
		// another run that created it meanwhile. A change that would not be sent (skip) is
		// adopted too: the record it needed is not needed any more.
		note := fmt.Sprintf("%s: Runn already has this %s (id %d): found right before creating it, not created again (R1, R17)",
			adoptedNote, s.kind, s.inRunn)
		if err := a.rec.adopt(ctx, it, s.inRunn, note); err != nil {
			return 0, "", err
		}
		a.log.Info("Runn already has the record: adopted, not created (R1, R17)", "kind", s.kind, "key", s.key, "label", s.label, "runn_id", s.inRunn)
		a.tally.finished(s.kind, s.rule, "adopted", nil)
		return s.inRunn, "", nil
	}
	if unsure {
		if err := a.rec.note(ctx, outcome{writeID: p.WriteID, status: statusNotFound, how: howRead}); err != nil {
			return 0, "", err
		}
		unsure = false
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
	var last int64
	for sends := 0; ; sends++ {
		if unsure {
			id, found, err := s.find(ctx)
			if err != nil {
				return 0, "", fmt.Errorf("%s %s (%s): reading Runn to learn whether an unanswered create landed: %w", s.kind, s.key, s.label, err)
			}
			if found {
				if err := a.rec.note(ctx, outcome{writeID: last, status: statusConfirmed, how: howRead, runnID: id}); err != nil {
					return 0, "", err
				}
				a.log.Info("an unanswered create had landed: found it in Runn", "kind", s.kind, "key", s.key, "runn_id", id)
				a.tally.finished(s.kind, s.rule, "reconciled", nil)
				return id, "", nil
			}
			if err := a.rec.note(ctx, outcome{writeID: last, status: statusNotFound, how: howRead}); err != nil {
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

func (a *applier) createRole(ctx context.Context, c RoleChange, inRunn int64) error {
	in := runn.RoleInput{Name: c.Name}
	if c.HarvestRoleID != nil {
		in.References = harvestRef(*c.HarvestRoleID)
	}
	key := c.targetKey()
	id, why, err := a.create(ctx, createSpec{
		kind: KindRole, key: key, label: c.Name, rule: c.Rule, reason: c.Reason, path: "/roles/", body: in,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreateRole(ctx, in)
			return r.ID, err
		},
		find:   func(ctx context.Context) (int64, bool, error) { return a.findRole(ctx, c) },
		inRunn: inRunn,
	})
	a.remember(KindRole, key, id, why, func(id int64) { a.roles[c.RoleKey] = id })
	return err
}

func (a *applier) createClient(ctx context.Context, c ClientChange, inRunn int64) error {
	in := runn.ClientInput{Name: c.Name, References: harvestRef(c.HarvestClientID)}
	key := c.targetKey()
	id, why, err := a.create(ctx, createSpec{
		kind: KindClient, key: key, label: c.Name, rule: c.Rule, reason: c.Reason, path: "/clients/", body: in,
		send: func(ctx context.Context) (int64, error) {
			r, err := a.api.CreateClient(ctx, in)
			return r.ID, err
		},
		find:   func(ctx context.Context) (int64, bool, error) { return a.findClient(ctx, c.HarvestClientID) },
		inRunn: inRunn,
	})
	a.remember(KindClient, key, id, why, func(id int64) { a.clients[c.HarvestClientID] = id })
	return err
}

func (a *applier) createProject(ctx context.Context, c ProjectChange, inRunn int64) error {
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
	key := c.targetKey()
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
		inRunn: inRunn,
	})
	a.remember(KindProject, key, id, why, func(id int64) { a.projects[c.HarvestProjectID] = id })
	return err
}

func (a *applier) createPerson(ctx context.Context, c PersonChange, inRunn int64) error {
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
	key := c.targetKey()
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
		inRunn: inRunn,
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
