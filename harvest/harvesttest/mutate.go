package harvesttest

import (
	"fmt"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// The methods below change the account the way people change it in Harvest, for tests and
// the demo's "next day". Each change sets updated_at to the server's clock (UTC, whole
// seconds), as Harvest does, so an updated_since listing finds it. Update functions run
// under the server's lock: they must not call the Server.

// AddTimeEntry stores e, giving it the next id when its id is 0 and created_at now when
// unset, and returns it as stored. It panics when e's id is taken or e cannot be encoded
// (a date that is not YYYY-MM-DD, a json.Number that is not a number).
func (s *Server) AddTimeEntry(e harvest.TimeEntry) harvest.TimeEntry {
	c := cloneTimeEntry(&e)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	if c.ID == 0 {
		c.ID = s.entries.maxID + 1
	}
	if _, taken := s.entries.byID[c.ID]; taken {
		panic(fmt.Sprintf("harvesttest: AddTimeEntry: id %d is taken; use UpdateTimeEntry", c.ID))
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.UpdatedAt = now
	if err := checkTimeEntry(c); err != nil {
		panic(fmt.Sprintf("harvesttest: AddTimeEntry: %v", err))
	}
	s.entries.put(c)
	return *cloneTimeEntry(c)
}

// UpdateTimeEntry applies fn to a copy of the entry and stores the result (its id cannot
// change). Changing spent_date moves the entry in the listing, as on Harvest.
func (s *Server) UpdateTimeEntry(id int64, fn func(*harvest.TimeEntry)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.entries.byID[id]
	if !ok {
		return fmt.Errorf("harvesttest: updating time entry %d: %w", id, ErrNotFound)
	}
	c := cloneTimeEntry(old)
	fn(c)
	c.ID = id
	c.UpdatedAt = s.stamp()
	if err := checkTimeEntry(c); err != nil {
		return fmt.Errorf("harvesttest: updating time entry %d: %w", id, err)
	}
	s.entries.put(c)
	return nil
}

// DeleteTimeEntry removes the entry. Like Harvest, the server keeps no trace of it: it simply
// stops appearing in listings, updated_since ones included.
func (s *Server) DeleteTimeEntry(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries.byID[id]
	if !ok {
		return fmt.Errorf("harvesttest: deleting time entry %d: %w", id, ErrNotFound)
	}
	s.entries.remove(e)
	return nil
}

// AddUser stores u (next id when 0, created now when unset) and returns it as stored. It does
// not add u to the roles' user_ids: add or update the roles as well when that matters.
func (s *Server) AddUser(u harvest.User) harvest.User {
	return addRecord(s, "users", &u, cloneUser)
}

// UpdateUser applies fn to a copy of the user and stores the result.
func (s *Server) UpdateUser(id int64, fn func(*harvest.User)) error {
	return updateRecord(s, "users", id, fn, cloneUser)
}

// AddRole stores r (next id when 0, created now when unset) and returns it as stored.
func (s *Server) AddRole(r harvest.Role) harvest.Role {
	return addRecord(s, "roles", &r, cloneRole)
}

// UpdateRole applies fn to a copy of the role and stores the result.
func (s *Server) UpdateRole(id int64, fn func(*harvest.Role)) error {
	return updateRecord(s, "roles", id, fn, cloneRole)
}

// AddClient stores c (next id when 0, created now when unset) and returns it as stored.
func (s *Server) AddClient(c harvest.Client) harvest.Client {
	return addRecord(s, "clients", &c, cloneClient)
}

// UpdateClient applies fn to a copy of the client and stores the result.
func (s *Server) UpdateClient(id int64, fn func(*harvest.Client)) error {
	return updateRecord(s, "clients", id, fn, cloneClient)
}

// AddProject stores p (next id when 0, created now when unset) and returns it as stored.
func (s *Server) AddProject(p harvest.Project) harvest.Project {
	return addRecord(s, "projects", &p, cloneProject)
}

// UpdateProject applies fn to a copy of the project and stores the result.
func (s *Server) UpdateProject(id int64, fn func(*harvest.Project)) error {
	return updateRecord(s, "projects", id, fn, cloneProject)
}

// AddTask stores t (next id when 0, created now when unset) and returns it as stored.
func (s *Server) AddTask(t harvest.Task) harvest.Task {
	return addRecord(s, "tasks", &t, cloneTask)
}

// UpdateTask applies fn to a copy of the task and stores the result.
func (s *Server) UpdateTask(id int64, fn func(*harvest.Task)) error {
	return updateRecord(s, "tasks", id, fn, cloneTask)
}

// AddUserAssignment stores a (next id when 0, created now when unset) and returns it as stored.
func (s *Server) AddUserAssignment(a harvest.UserAssignment) harvest.UserAssignment {
	return addRecord(s, "user_assignments", &a, cloneUserAssignment)
}

// UpdateUserAssignment applies fn to a copy of the assignment and stores the result.
func (s *Server) UpdateUserAssignment(id int64, fn func(*harvest.UserAssignment)) error {
	return updateRecord(s, "user_assignments", id, fn, cloneUserAssignment)
}

// Account returns a deep copy of the current state, each resource in listing order.
func (s *Server) Account() *Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := &Account{
		Users:           tableRecords(s.tables["users"], cloneUser),
		Roles:           tableRecords(s.tables["roles"], cloneRole),
		Clients:         tableRecords(s.tables["clients"], cloneClient),
		Projects:        tableRecords(s.tables["projects"], cloneProject),
		Tasks:           tableRecords(s.tables["tasks"], cloneTask),
		UserAssignments: tableRecords(s.tables["user_assignments"], cloneUserAssignment),
		TimeEntries:     make([]harvest.TimeEntry, len(s.entries.sorted)),
	}
	for i, e := range s.entries.sorted {
		a.TimeEntries[i] = *cloneTimeEntry(e)
	}
	return a
}

func tableRecords[T any](t *table, clone func(*T) *T) []T {
	out := make([]T, len(t.rows))
	for i, r := range t.rows {
		out[i] = *clone(r.rec.(*T))
	}
	return out
}

// stamps points at a record's id and timestamps.
func stamps(rec any) (id *int64, created, updated *time.Time) {
	switch v := rec.(type) {
	case *harvest.User:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	case *harvest.Role:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	case *harvest.Client:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	case *harvest.Project:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	case *harvest.Task:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	case *harvest.UserAssignment:
		return &v.ID, &v.CreatedAt, &v.UpdatedAt
	}
	panic(fmt.Sprintf("harvesttest: no stamps for %T", rec))
}

func addRecord[T any](s *Server, name string, rec *T, clone func(*T) *T) T {
	c := clone(rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[name]
	id, created, updated := stamps(c)
	now := s.stamp()
	if *id == 0 {
		*id = t.maxID + 1
	}
	if _, taken := t.byID[*id]; taken {
		panic(fmt.Sprintf("harvesttest: adding to %s: id %d is taken; use the update method", name, *id))
	}
	if created.IsZero() {
		*created = now
	}
	*updated = now
	r, err := newRow(c)
	if err != nil {
		panic(fmt.Sprintf("harvesttest: adding to %s: %v", name, err))
	}
	t.put(r)
	return *clone(c)
}

func updateRecord[T any](s *Server, name string, id int64, fn func(*T), clone func(*T) *T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[name]
	old, ok := t.byID[id]
	if !ok {
		return fmt.Errorf("harvesttest: updating %s %d: %w", name, id, ErrNotFound)
	}
	c := clone(old.rec.(*T))
	fn(c)
	idp, _, updated := stamps(c)
	*idp = id
	*updated = s.stamp()
	r, err := newRow(c)
	if err != nil {
		return fmt.Errorf("harvesttest: updating %s %d: %w", name, id, err)
	}
	t.put(r)
	return nil
}
