package harvesttest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// Account is the whole content of a fake Harvest account: what the server lists.
//
// The JSON form (LoadAccount, WriteJSON) is an object with one array per resource, keyed like
// the API's envelopes: users, roles, clients, projects, tasks, user_assignments, time_entries.
type Account struct {
	Users           []harvest.User           `json:"users"`
	Roles           []harvest.Role           `json:"roles"`
	Clients         []harvest.Client         `json:"clients"`
	Projects        []harvest.Project        `json:"projects"`
	Tasks           []harvest.Task           `json:"tasks"`
	UserAssignments []harvest.UserAssignment `json:"user_assignments"`
	TimeEntries     []harvest.TimeEntry      `json:"time_entries"`
}

// LoadAccount reads an account fixture written by WriteJSON (or by hand). Unknown keys are
// refused, so that a misspelt field in a hand-edited fixture is an error rather than a zero.
func LoadAccount(r io.Reader) (*Account, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var a Account
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("harvesttest: reading account fixture: %w", err)
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("harvesttest: account fixture: %w", err)
	}
	return &a, nil
}

// WriteJSON writes the account as JSON, one record per line, so fixtures diff well.
func (a *Account) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("{")
	sections := []struct {
		key  string
		n    int
		item func(int) any
	}{
		{"users", len(a.Users), func(i int) any { return &a.Users[i] }},
		{"roles", len(a.Roles), func(i int) any { return &a.Roles[i] }},
		{"clients", len(a.Clients), func(i int) any { return &a.Clients[i] }},
		{"projects", len(a.Projects), func(i int) any { return &a.Projects[i] }},
		{"tasks", len(a.Tasks), func(i int) any { return &a.Tasks[i] }},
		{"user_assignments", len(a.UserAssignments), func(i int) any { return &a.UserAssignments[i] }},
		{"time_entries", len(a.TimeEntries), func(i int) any { return &a.TimeEntries[i] }},
	}
	for si, sec := range sections {
		if si > 0 {
			bw.WriteString(",")
		}
		fmt.Fprintf(bw, "\n%q: [", sec.key)
		for i := range sec.n {
			b, err := json.Marshal(sec.item(i))
			if err != nil {
				return fmt.Errorf("harvesttest: encoding %s[%d]: %w", sec.key, i, err)
			}
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
			bw.Write(b)
		}
		bw.WriteString("\n]")
	}
	bw.WriteString("\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("harvesttest: writing account: %w", err)
	}
	return nil
}

// validate checks what the server relies on: ids are set and unique per resource, and every
// record encodes (an invalid json.Number would otherwise break a page in the middle of a run).
func (a *Account) validate() error {
	var errs []error
	checkIDs := func(kind string, n int, id func(int) int64) {
		seen := make(map[int64]bool, n)
		for i := range n {
			v := id(i)
			switch {
			case v <= 0:
				errs = append(errs, fmt.Errorf("%s[%d] has id %d; ids must be positive", kind, i, v))
			case seen[v]:
				errs = append(errs, fmt.Errorf("%s[%d] repeats id %d", kind, i, v))
			}
			seen[v] = true
		}
	}
	checkIDs("users", len(a.Users), func(i int) int64 { return a.Users[i].ID })
	checkIDs("roles", len(a.Roles), func(i int) int64 { return a.Roles[i].ID })
	checkIDs("clients", len(a.Clients), func(i int) int64 { return a.Clients[i].ID })
	checkIDs("projects", len(a.Projects), func(i int) int64 { return a.Projects[i].ID })
	checkIDs("tasks", len(a.Tasks), func(i int) int64 { return a.Tasks[i].ID })
	checkIDs("user_assignments", len(a.UserAssignments), func(i int) int64 { return a.UserAssignments[i].ID })
	checkIDs("time_entries", len(a.TimeEntries), func(i int) int64 { return a.TimeEntries[i].ID })
	for i := range a.TimeEntries {
		if err := checkTimeEntry(&a.TimeEntries[i]); err != nil {
			errs = append(errs, fmt.Errorf("time_entries[%d] (id %d): %w", i, a.TimeEntries[i].ID, err))
		}
		if len(errs) > 20 {
			break
		}
	}
	return errors.Join(errs...)
}

// Clone returns a deep copy of the account: nothing in it shares memory with a.
func (a *Account) Clone() *Account {
	c := &Account{
		Users:           make([]harvest.User, len(a.Users)),
		Roles:           make([]harvest.Role, len(a.Roles)),
		Clients:         make([]harvest.Client, len(a.Clients)),
		Projects:        make([]harvest.Project, len(a.Projects)),
		Tasks:           make([]harvest.Task, len(a.Tasks)),
		UserAssignments: make([]harvest.UserAssignment, len(a.UserAssignments)),
		TimeEntries:     make([]harvest.TimeEntry, len(a.TimeEntries)),
	}
	for i := range a.Users {
		c.Users[i] = *cloneUser(&a.Users[i])
	}
	for i := range a.Roles {
		c.Roles[i] = *cloneRole(&a.Roles[i])
	}
	for i := range a.Clients {
		c.Clients[i] = *cloneClient(&a.Clients[i])
	}
	for i := range a.Projects {
		c.Projects[i] = *cloneProject(&a.Projects[i])
	}
	for i := range a.Tasks {
		c.Tasks[i] = *cloneTask(&a.Tasks[i])
	}
	for i := range a.UserAssignments {
		c.UserAssignments[i] = *cloneUserAssignment(&a.UserAssignments[i])
	}
	for i := range a.TimeEntries {
		c.TimeEntries[i] = *cloneTimeEntry(&a.TimeEntries[i])
	}
	return c
}
