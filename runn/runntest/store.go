package runntest

import (
	"fmt"
	"slices"
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
)

// table holds one kind of record by id, and its ids in ascending order (the order of every
// list). Records are stored by pointer so that handlers update them in place.
type table[T any] struct {
	byID map[int64]*T
	ids  []int64
}

func newTable[T any]() *table[T] { return &table[T]{byID: map[int64]*T{}} }

func (t *table[T]) get(id int64) (*T, bool) {
	v, ok := t.byID[id]
	return v, ok
}

// insert adds a record whose id is above every id held (ids are allocated monotonically; the
// seed is inserted in sorted order).
func (t *table[T]) insert(id int64, v *T) {
	t.byID[id] = v
	t.ids = append(t.ids, id)
}

func (t *table[T]) all() []*T {
	out := make([]*T, 0, len(t.ids))
	for _, id := range t.ids {
		out = append(out, t.byID[id])
	}
	return out
}

func (t *table[T]) maxID() int64 {
	if len(t.ids) == 0 {
		return 0
	}
	return t.ids[len(t.ids)-1]
}

// values copies the records out in id order.
func (t *table[T]) values() []T {
	out := make([]T, 0, len(t.ids))
	for _, id := range t.ids {
		out = append(out, *t.byID[id])
	}
	return out
}

// actualKey is what POST /actuals/ upserts on (runn-notes.md §3.6).
type actualKey struct {
	date                  string
	person, project, role int64
	workstream            int64
	hasWorkstream         bool
}

func keyOfActual(a *runn.Actual) actualKey {
	k := actualKey{date: a.Date, person: a.PersonID, project: a.ProjectID, role: a.RoleID}
	if a.WorkstreamID != nil {
		k.workstream, k.hasWorkstream = *a.WorkstreamID, true
	}
	return k
}

// idBase is where each kind's ids start on an empty fake: realistic 5 to 7 digit ids, in
// ranges far apart, so that a client mixing up a person id and a project id gets a 404
// rather than someone else's record.
func idBase(k recordKind) int64 {
	return [numKinds]int64{
		kindClient:     73001,
		kindProject:    402001,
		kindPerson:     880001,
		kindRole:       21801,
		kindContract:   1290001,
		kindAssignment: 7712001,
		kindActual:     5583001,
		kindProjectTag: 90301,
	}[k]
}

type recordKind int

const (
	kindClient recordKind = iota
	kindProject
	kindPerson
	kindRole
	kindContract
	kindAssignment
	kindActual
	kindProjectTag
	numKinds
)

// store is the fake's whole state. It is not safe for concurrent use: Server holds its mutex.
type store struct {
	clients     *table[runn.Client]
	projects    *table[runn.Project]
	people      *table[runn.Person]
	roles       *table[runn.Role]
	contracts   *table[runn.Contract]
	assignments *table[runn.Assignment]
	actuals     *table[runn.Actual]
	tags        *table[runn.ProjectTag]
	actualByKey map[actualKey]int64
	nextID      [numKinds]int64
}

func (st *store) newID(k recordKind) int64 {
	id := st.nextID[k]
	st.nextID[k]++
	return id
}

// newStore imports a seed: records are normalised (empty arrays rather than null, missing
// timestamps set to now), cross references checked, and each kind's next id set above the
// highest seeded one.
func newStore(seed *State, now time.Time) (*store, error) {
	st := &store{
		clients:     newTable[runn.Client](),
		projects:    newTable[runn.Project](),
		people:      newTable[runn.Person](),
		roles:       newTable[runn.Role](),
		contracts:   newTable[runn.Contract](),
		assignments: newTable[runn.Assignment](),
		actuals:     newTable[runn.Actual](),
		tags:        newTable[runn.ProjectTag](),
		actualByKey: map[actualKey]int64{},
	}
	if seed == nil {
		seed = &State{}
	}
	s := seed.clone()
	s.sortByID()
	if err := seedTable(st.clients, s.Clients, "client", func(c *runn.Client) int64 { normClient(c, now); return c.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.roles, s.Roles, "role", func(r *runn.Role) int64 { normRole(r, now); return r.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.tags, s.ProjectTags, "project tag", func(t *runn.ProjectTag) int64 { normProjectTag(t, now); return t.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.projects, s.Projects, "project", func(p *runn.Project) int64 { normProject(p, now); return p.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.people, s.People, "person", func(p *runn.Person) int64 { normPerson(p, now); return p.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.contracts, s.Contracts, "contract", func(c *runn.Contract) int64 { normContract(c, now); return c.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.assignments, s.Assignments, "assignment", func(a *runn.Assignment) int64 { normAssignment(a, now); return a.ID }); err != nil {
		return nil, err
	}
	if err := seedTable(st.actuals, s.Actuals, "actual", func(a *runn.Actual) int64 { normActual(a, now); return a.ID }); err != nil {
		return nil, err
	}
	if err := st.checkSeedReferences(); err != nil {
		return nil, err
	}
	st.syncProjectTags()
	maxIDs := [numKinds]int64{
		kindClient: st.clients.maxID(), kindProject: st.projects.maxID(), kindPerson: st.people.maxID(),
		kindRole: st.roles.maxID(), kindContract: st.contracts.maxID(), kindAssignment: st.assignments.maxID(),
		kindActual: st.actuals.maxID(), kindProjectTag: st.tags.maxID(),
	}
	for k := range numKinds {
		st.nextID[k] = max(idBase(k), maxIDs[k]+1)
	}
	return st, nil
}

func seedTable[T any](t *table[T], records []T, what string, norm func(*T) int64) error {
	for i := range records {
		r := &records[i]
		id := norm(r)
		if id <= 0 {
			return fmt.Errorf("runntest: seed %s #%d has id %d; ids must be positive", what, i+1, id)
		}
		if _, dup := t.get(id); dup {
			return fmt.Errorf("runntest: seed has two %ss with id %d", what, id)
		}
		t.insert(id, r)
	}
	return nil
}

// checkSeedReferences refuses a seed whose records point at ids it does not hold: the real
// Runn cannot be in that state, and a fixture that is would make tests pass for bad reasons.
func (st *store) checkSeedReferences() error {
	for _, p := range st.projects.all() {
		if _, ok := st.clients.get(p.ClientID); !ok {
			return fmt.Errorf("runntest: seed project %d has clientId %d, which is not a seeded client", p.ID, p.ClientID)
		}
		for _, tag := range p.Tags {
			if _, ok := st.tags.get(tag.ID); !ok {
				return fmt.Errorf("runntest: seed project %d carries tag %d, which is not a seeded project tag", p.ID, tag.ID)
			}
		}
	}
	for _, t := range st.tags.all() {
		for _, pid := range t.ProjectIDs {
			if _, ok := st.projects.get(pid); !ok {
				return fmt.Errorf("runntest: seed project tag %d lists project %d, which is not a seeded project", t.ID, pid)
			}
		}
	}
	for _, c := range st.contracts.all() {
		if err := st.checkPersonRole("contract", c.ID, c.PersonID, c.RoleID); err != nil {
			return err
		}
	}
	for _, a := range st.assignments.all() {
		if err := st.checkPersonRole("assignment", a.ID, a.PersonID, a.RoleID); err != nil {
			return err
		}
		if _, ok := st.projects.get(a.ProjectID); !ok {
			return fmt.Errorf("runntest: seed assignment %d has projectId %d, which is not a seeded project", a.ID, a.ProjectID)
		}
	}
	for _, a := range st.actuals.all() {
		if err := st.checkPersonRole("actual", a.ID, a.PersonID, a.RoleID); err != nil {
			return err
		}
		if _, ok := st.projects.get(a.ProjectID); !ok {
			return fmt.Errorf("runntest: seed actual %d has projectId %d, which is not a seeded project", a.ID, a.ProjectID)
		}
		k := keyOfActual(a)
		if other, dup := st.actualByKey[k]; dup {
			return fmt.Errorf("runntest: seed actuals %d and %d have the same (date, person, project, role, workstream); Runn keeps one", other, a.ID)
		}
		st.actualByKey[k] = a.ID
	}
	return nil
}

func (st *store) checkPersonRole(what string, id, personID, roleID int64) error {
	if _, ok := st.people.get(personID); !ok {
		return fmt.Errorf("runntest: seed %s %d has personId %d, which is not a seeded person", what, id, personID)
	}
	if _, ok := st.roles.get(roleID); !ok {
		return fmt.Errorf("runntest: seed %s %d has roleId %d, which is not a seeded role", what, id, roleID)
	}
	return nil
}

// syncProjectTags makes the two sides of a project tag agree, so a fixture may list the
// link on the project (tags), on the tag (projectIds), or both.
func (st *store) syncProjectTags() {
	for _, p := range st.projects.all() {
		for i, tag := range p.Tags {
			t, _ := st.tags.get(tag.ID)
			p.Tags[i].Name = t.Name
			if !slices.Contains(t.ProjectIDs, p.ID) {
				t.ProjectIDs = append(t.ProjectIDs, p.ID)
			}
		}
	}
	for _, t := range st.tags.all() {
		slices.Sort(t.ProjectIDs)
		for _, pid := range t.ProjectIDs {
			p, _ := st.projects.get(pid)
			if !slices.ContainsFunc(p.Tags, func(tag runn.Tag) bool { return tag.ID == t.ID }) {
				p.Tags = append(p.Tags, runn.Tag{ID: t.ID, Name: t.Name})
			}
		}
	}
}

// snapshot copies the state out, in id order.
func (st *store) snapshot() *State {
	s := &State{
		Clients:     st.clients.values(),
		Projects:    st.projects.values(),
		People:      st.people.values(),
		Roles:       st.roles.values(),
		Contracts:   st.contracts.values(),
		Assignments: st.assignments.values(),
		Actuals:     st.actuals.values(),
		ProjectTags: st.tags.values(),
	}
	return s.clone()
}
