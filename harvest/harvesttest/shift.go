package harvesttest

import (
	"fmt"
	"net/http"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// cloneRecord deep-copies any record a table holds.
func cloneRecord(rec any) any {
	switch v := rec.(type) {
	case *harvest.User:
		return cloneUser(v)
	case *harvest.Role:
		return cloneRole(v)
	case *harvest.Client:
		return cloneClient(v)
	case *harvest.Project:
		return cloneProject(v)
	case *harvest.Task:
		return cloneTask(v)
	case *harvest.UserAssignment:
		return cloneUserAssignment(v)
	}
	panic(fmt.Sprintf("harvesttest: cannot clone %T", rec))
}

// shiftRecords performs a ShiftRecords fault for the listing r asks for: a copy of the
// listing's first record, with a new id and created now, goes in front of it.
func (s *Server) shiftRecords(r *http.Request) {
	name := listingName(r.URL.Path)
	res, ok := lookupResource(name)
	if !ok {
		return
	}
	lq, err := parseListQuery(res, r.URL.Query())
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	if name == "time_entries" {
		list := s.filteredEntries(&lq)
		if len(list) == 0 {
			return
		}
		c := cloneTimeEntry(list[0])
		c.ID = s.entries.maxID + 1
		c.CreatedAt, c.UpdatedAt = now, now
		s.entries.put(c)
		return
	}
	t := s.tables[name]
	for _, front := range t.rows {
		if !matchRow(front, &lq) {
			continue
		}
		c := cloneRecord(front.rec)
		id, created, updated := stamps(c)
		*id = t.maxID + 1
		*created = now
		if front.created.After(now) { // stay in front even when the clock lags the data
			*created = front.created
		}
		*updated = now
		nr, err := newRow(c)
		if err != nil {
			return
		}
		t.put(nr)
		return
	}
}
