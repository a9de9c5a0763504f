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
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

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
	// madeMu guards the maps above: the creates of one kind run concurrently.
	madeMu sync.Mutex

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
// Before the creates of a kind, Runn is read for the records they would make (R17, R1):
// whatever the run's snapshot said, one Runn already has is adopted, never created again.
func (a *applier) applyPlan(ctx context.Context, p Plan) error {
	return a.applyKinds(ctx, a.kindSteps(p))
}

// kindStep is one kind of a load's changes: their rules, counted as planned before anything is
// sent, and how to apply them.
type kindStep struct {
	kind  string
	rules []string
	// look, when set, starts the kind's read of Runn (R17, R1) and returns what apply waits on.
	look  func(ctx context.Context) *lookup
	apply func(ctx context.Context, found *lookup) error
}

// lookup is a kind's read of Runn before its creates, started when the load starts: which
// planned records Runn already has, by change key.
type lookup struct {
	done  chan struct{}
	found map[string]int64
	err   error
}

// startLookup runs read in its own goroutine.
func startLookup(ctx context.Context, read func(ctx context.Context) (map[string]int64, error)) *lookup {
	l := &lookup{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.found, l.err = read(ctx)
	}()
	return l
}

// wait returns the read's result once it has landed, or ctx's error first.
func (l *lookup) wait(ctx context.Context) (map[string]int64, error) {
	select {
	case <-l.done:
		return l.found, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// applyKinds counts every change as planned, then applies the kinds in order; the first error
// stops the load.
//
// The reads before each kind's creates all start at once: a kind's records are made only by its
// own creates, so reading projects while roles and clients are created sees what reading after
// them would, and a listing of many pages (one after another by cursor) no longer holds the
// rate-limit window idle between two kinds. Each kind still waits for its own read, and for the
// previous kind to have landed (R15).
func (a *applier) applyKinds(ctx context.Context, steps []kindStep) error {
	for _, k := range steps {
		for _, r := range k.rules {
			a.tally.plan(k.kind, r)
		}
	}
	looks := make([]*lookup, len(steps))
	lctx, cancel := context.WithCancel(ctx)
	// Reads still running when the load stops are cut short, and waited for.
	defer func() {
		cancel()
		for _, l := range looks {
			if l != nil {
				<-l.done
			}
		}
	}()
	for i, k := range steps {
		if k.look != nil {
			looks[i] = k.look(lctx)
		}
	}
	for i, k := range steps {
		if err := k.apply(ctx, looks[i]); err != nil {
			return err
		}
	}
	return nil
}

// kindSteps are a plan's kinds in the order of R15.
func (a *applier) kindSteps(p Plan) []kindStep {
	return []kindStep{
		creates[RoleChange, runn.Role]{kind: KindRole, changes: p.Roles, key: RoleChange.targetKey,
			rule: func(c RoleChange) string { return c.Rule }, read: a.readRoles, match: matchRole, create: a.createRole}.step(a),
		creates[ClientChange, runn.Client]{kind: KindClient, changes: p.Clients, key: ClientChange.targetKey,
			rule: func(c ClientChange) string { return c.Rule }, read: a.readClients, match: matchClient, create: a.createClient}.step(a),
		creates[ProjectChange, runn.Project]{kind: KindProject, changes: p.Projects, key: ProjectChange.targetKey,
			rule: func(c ProjectChange) string { return c.Rule }, read: a.readProjects, match: matchProject, create: a.createProject}.step(a),
		creates[PersonChange, runn.Person]{kind: KindPerson, changes: p.People, key: PersonChange.targetKey,
			rule: func(c PersonChange) string { return c.Rule }, read: a.readPeople, match: matchPerson, create: a.createPerson}.step(a),
		a.actualsStep(p.Actuals),
	}
}

// actualsStep applies actuals, after the records they refer to.
func (a *applier) actualsStep(changes []ActualChange) kindStep {
	rules := make([]string, len(changes))
	for i, c := range changes {
		rules[i] = c.Rule
	}
	return kindStep{kind: KindActual, rules: rules, apply: func(ctx context.Context, _ *lookup) error { return a.applyActuals(ctx, changes) }}
}

// creates are a plan's changes of one kind that each create a record.
type creates[C, R any] struct {
	kind    string
	changes []C
	key     func(C) string
	rule    func(C) string
	// read reads Runn for the records todo would make, and match picks the one c would make
	// (0: none), for lookBeforeCreating.
	read   func(ctx context.Context, todo []C) ([]R, error)
	match  func([]R, C) int64
	create func(ctx context.Context, c C, inRunn int64) error
}

// step waits for the read of Runn that applyKinds started (R17, R1), then creates the records,
// a.workers at once: the creates of one kind do not depend on each other (R15 orders kinds, not
// records), and one at a time would spend each rate-limit window waiting on Runn's answers. Each create keeps
// its own intent-before-request and answer-after trail. After the first error no create starts,
// and those in flight are let finish (cutting them short would leave their outcome unknown); the
// step returns only when every create it started has landed, so the next kind never starts early.
func (k creates[C, R]) step(a *applier) kindStep {
	rules := make([]string, len(k.changes))
	for i, c := range k.changes {
		rules[i] = k.rule(c)
	}
	look := func(ctx context.Context) *lookup {
		return startLookup(ctx, func(ctx context.Context) (map[string]int64, error) {
			return lookBeforeCreating(ctx, a, k.kind, k.changes, k.key, k.read, k.match)
		})
	}
	return kindStep{kind: k.kind, rules: rules, look: look, apply: func(ctx context.Context, found *lookup) error {
		inRunn, err := found.wait(ctx)
		if err != nil {
			return err
		}
		var g errgroup.Group
		g.SetLimit(a.workers)
		var failed atomic.Bool
		for _, c := range k.changes {
			if failed.Load() || ctx.Err() != nil {
				break
			}
			g.Go(func() error {
				if failed.Load() {
					return nil
				}
				err := k.create(ctx, c, inRunn[k.key(c)])
				if err != nil {
					failed.Store(true)
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		return ctx.Err()
	}}
}

// readRoles, readClients, readProjects and readPeople are the reads right before a kind's
// creates (lookBeforeCreating).
func (a *applier) readRoles(ctx context.Context, _ []RoleChange) ([]runn.Role, error) {
	return a.api.ListRoles(ctx)
}

func (a *applier) readClients(ctx context.Context, _ []ClientChange) ([]runn.Client, error) {
	return a.api.ListClients(ctx)
}

func (a *applier) readProjects(ctx context.Context, todo []ProjectChange) ([]runn.Project, error) {
	if len(todo) == 1 {
		// One create: Runn's externalId filter answers in one request, a listing may take several.
		return a.api.FindProjectsByExternalID(ctx, strconv.FormatInt(todo[0].HarvestProjectID, 10))
	}
	return a.api.ListProjects(ctx)
}

func (a *applier) readPeople(ctx context.Context, todo []PersonChange) ([]runn.Person, error) {
	if len(todo) == 1 {
		return a.api.FindPeopleByExternalID(ctx, strconv.FormatInt(todo[0].HarvestUserID, 10))
	}
	return a.api.ListPeople(ctx)
}

func matchClient(clients []runn.Client, c ClientChange) int64 {
	return lowestReferenced(clients, c.HarvestClientID, func(c runn.Client) (int64, []runn.Reference) { return c.ID, c.References })
}

func matchProject(projects []runn.Project, c ProjectChange) int64 {
	return lowestReferenced(projects, c.HarvestProjectID, func(p runn.Project) (int64, []runn.Reference) { return p.ID, p.References })
}

func matchPerson(people []runn.Person, c PersonChange) int64 {
	return lowestReferenced(people, c.HarvestUserID, func(p runn.Person) (int64, []runn.Reference) { return p.ID, p.References })
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

func (s createSpec) intent() intent {
	return intent{kind: s.kind, key: s.key, label: s.label, rule: s.rule, reason: s.reason}
}

func (s createSpec) problem(status, msg string) *Problem {
	return &Problem{Kind: s.kind, Key: s.key, Label: s.label, Rule: s.rule, Status: status, Message: msg}
}

// create makes sure the record exists, once, and returns its Runn id, or 0 and why it does not.
// In turn: an earlier load confirmed it; the read right before this kind's creates found it (an
// earlier load's unanswered create had landed, or Runn has it anyway: adopted, R17); it is not
// to be sent; else it is sent until Runn answers.
func (a *applier) create(ctx context.Context, s createSpec) (int64, string, error) {
	p, seen := a.prior[priorKey(s.kind, s.key)]
	if seen && p.Status == statusConfirmed && p.RunnID.Valid {
		a.tally.finished(s.kind, s.rule, "already_done", nil)
		return p.RunnID.Int64, "", nil
	}
	// An earlier load's create that got no answer: the read before this kind's creates says
	// whether it landed.
	unsure := seen && p.mayHaveLanded()
	switch {
	case s.inRunn != 0 && unsure:
		return a.reconciled(ctx, s, p.WriteID, s.inRunn)
	case s.inRunn != 0:
		return a.adopt(ctx, s)
	case unsure:
		if err := a.notLanded(ctx, p.WriteID); err != nil {
			return 0, "", err
		}
	}
	if s.skip != "" {
		return a.skipCreate(ctx, s)
	}
	body, err := json.Marshal(s.body)
	if err != nil {
		return 0, "", fmt.Errorf("encode the create of %s %s: %w", s.kind, s.key, err)
	}
	return a.sendCreate(ctx, s, body)
}

// reconciled records that an unanswered create (write writeID) had landed as Runn's record id.
func (a *applier) reconciled(ctx context.Context, s createSpec, writeID, id int64) (int64, string, error) {
	if err := a.rec.note(ctx, outcome{writeID: writeID, status: statusConfirmed, how: howRead, runnID: id}); err != nil {
		return 0, "", err
	}
	a.log.Info("an unanswered create had landed: found it in Runn", "kind", s.kind, "key", s.key, "runn_id", id)
	a.tally.finished(s.kind, s.rule, "reconciled", nil)
	return id, "", nil
}

// notLanded records that a read found no trace of an unanswered create (write writeID).
func (a *applier) notLanded(ctx context.Context, writeID int64) error {
	return a.rec.note(ctx, outcome{writeID: writeID, status: statusNotFound, how: howRead})
}

// adopt takes the record Runn already has instead of creating it. Whatever the snapshot said,
// Runn has it (R17, R1): a stale or incomplete snapshot, or another run that created it
// meanwhile. A change that would not be sent (skip) is adopted too: the record it needed is not
// needed any more.
func (a *applier) adopt(ctx context.Context, s createSpec) (int64, string, error) {
	note := fmt.Sprintf("%s: Runn already has this %s (id %d): found right before creating it, not created again (R1, R17)",
		adoptedNote, s.kind, s.inRunn)
	if err := a.rec.adopt(ctx, s.intent(), s.inRunn, note); err != nil {
		return 0, "", err
	}
	a.log.Info("Runn already has the record: adopted, not created (R1, R17)", "kind", s.kind, "key", s.key, "label", s.label, "runn_id", s.inRunn)
	a.tally.finished(s.kind, s.rule, "adopted", nil)
	return s.inRunn, "", nil
}

// skipCreate records a create that is not sent, and why.
func (a *applier) skipCreate(ctx context.Context, s createSpec) (int64, string, error) {
	if err := a.rec.skip(ctx, []intent{s.intent()}, []string{s.skip}); err != nil {
		return 0, "", err
	}
	a.tally.finished(s.kind, s.rule, statusSkipped, s.problem(statusSkipped, s.skip))
	return 0, "not sent: " + s.skip, nil
}

// sentCreate is one send of a create: its request and write in the audit trail, and what Runn
// answered.
type sentCreate struct {
	createSpec
	reqID, writeID int64
	took           time.Duration
	runnID         int64
	err            error
}

// sendCreate sends the create until Runn answers. After a send that got no answer, Runn is read
// first (the create may have landed with only its answer lost); after maxCreateSends of them
// the load stops.
func (a *applier) sendCreate(ctx context.Context, s createSpec, body []byte) (int64, string, error) {
	var last int64 // the write of the latest send
	for sends := 0; ; sends++ {
		// Only a send that got no answer comes round again.
		if sends > 0 {
			if id, found, err := a.readAgain(ctx, s, last); err != nil || found {
				return id, "", err
			}
		}
		if sends == maxCreateSends {
			return 0, "", fmt.Errorf("%s %s (%s): Runn did not answer %d creates in a row (none landed); run the load again later to resume",
				s.kind, s.key, s.label, sends)
		}
		c, err := a.sendOnce(ctx, s, body)
		if err != nil {
			return 0, "", err
		}
		last = c.writeID
		apiErr, isRefusal := refusal(c.err)
		switch {
		case c.err == nil:
			return a.createAnswered(ctx, c)
		case isRefusal:
			return a.createRefused(ctx, c, apiErr)
		case errors.Is(c.err, runn.ErrOutcomeUnknown) && ctx.Err() == nil:
			if err := a.createUnanswered(ctx, c); err != nil {
				return 0, "", err
			}
		default:
			return 0, "", a.createFailed(ctx, c)
		}
	}
}

// readAgain reads Runn for a create (write writeID) that got no answer. Found, it is confirmed
// with the id it landed as; else it is noted as not found, to be sent again.
func (a *applier) readAgain(ctx context.Context, s createSpec, writeID int64) (int64, bool, error) {
	id, found, err := s.find(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("%s %s (%s): reading Runn to learn whether an unanswered create landed: %w", s.kind, s.key, s.label, err)
	}
	if found {
		id, _, err := a.reconciled(ctx, s, writeID, id)
		return id, true, err
	}
	return 0, false, a.notLanded(ctx, writeID)
}

// sendOnce records the intent, then sends the create; an error is the trail's.
func (a *applier) sendOnce(ctx context.Context, s createSpec, body []byte) (sentCreate, error) {
	reqID, ids, err := a.rec.send(ctx, s.kind, http.MethodPost, s.path, body, []intent{s.intent()})
	if err != nil {
		return sentCreate{}, err
	}
	c := sentCreate{createSpec: s, reqID: reqID, writeID: ids[0]}
	start := time.Now()
	c.runnID, c.err = s.send(ctx)
	c.took = time.Since(start)
	return c, nil
}

func (a *applier) createAnswered(ctx context.Context, c sentCreate) (int64, string, error) {
	if err := a.rec.answer(ctx, c.reqID, c.took, http.StatusCreated, "ok", "",
		[]outcome{{writeID: c.writeID, status: statusConfirmed, how: "answer", runnID: c.runnID}}, nil); err != nil {
		return 0, "", err
	}
	a.tally.finished(c.kind, c.rule, "applied", nil)
	return c.runnID, "", nil
}

func (a *applier) createRefused(ctx context.Context, c sentCreate, apiErr *runn.APIError) (int64, string, error) {
	msg := runnMessage(apiErr)
	if err := a.rec.answer(ctx, c.reqID, c.took, apiErr.Status, "refused", msg,
		[]outcome{{writeID: c.writeID, status: statusRejected, how: "answer", err: msg}}, nil); err != nil {
		return 0, "", err
	}
	a.log.Warn("Runn rejected a create", "kind", c.kind, "key", c.key, "label", c.label, "message", msg)
	a.tally.finished(c.kind, c.rule, statusRejected, c.problem(statusRejected, msg))
	return 0, "Runn rejected it: " + msg, nil
}

// createUnanswered records a send that got no answer; Runn is read before it is sent again.
func (a *applier) createUnanswered(ctx context.Context, c sentCreate) error {
	if err := a.rec.answer(ctx, c.reqID, c.took, httpStatus(c.err), "no_answer", c.err.Error(),
		[]outcome{{writeID: c.writeID, status: statusUnknown, how: "answer", err: c.err.Error()}}, nil); err != nil {
		return err
	}
	a.log.Warn("no answer to a create: reading Runn before sending it again", "kind", c.kind, "key", c.key, "err", c.err)
	return nil
}

// createFailed records a send that failed otherwise, and returns the error that stops the load.
// The answer is recorded even when the load is being stopped (answer outlives ctx). Should the
// trail fail too, the attempt stays pending, as after a crash (the next load reads Runn for it),
// and the error says so beside the send's.
func (a *applier) createFailed(ctx context.Context, c sentCreate) error {
	err := a.rec.answer(ctx, c.reqID, c.took, httpStatus(c.err), "failed", c.err.Error(),
		[]outcome{{writeID: c.writeID, status: statusUnknown, how: "answer", err: c.err.Error()}}, nil)
	if err != nil {
		return fmt.Errorf("create %s %s (%s): %w; the attempt stays pending, and the next load reads Runn for it: %w",
			c.kind, c.key, c.label, c.err, err)
	}
	return fmt.Errorf("create %s %s (%s): %w", c.kind, c.key, c.label, c.err)
}

// missing says why a record a change needs has no Runn id.
func (a *applier) missing(kind, key string) string {
	a.madeMu.Lock()
	defer a.madeMu.Unlock()
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
			id := matchProject(found, c)
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
			id := matchPerson(found, c)
			return id, id != 0 && err == nil, err
		},
		inRunn: inRunn,
	})
	a.remember(KindPerson, key, id, why, func(id int64) { a.people[c.HarvestUserID] = id })
	return err
}

// remember keeps a created record's id for the changes that refer to it, or why there is none.
func (a *applier) remember(kind, key string, id int64, why string, keep func(int64)) {
	a.madeMu.Lock()
	defer a.madeMu.Unlock()
	if id != 0 {
		keep(id)
		return
	}
	if why != "" {
		a.notMade[priorKey(kind, key)] = why
	}
}
