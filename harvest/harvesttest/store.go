package harvesttest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// row is one record of a cursor-paged resource, with what listing it needs at hand.
type row struct {
	id       int64
	created  time.Time
	updated  time.Time
	active   bool  // is_active, where the resource has it
	clientID int64 // projects: client.id, for the client_id filter
	userID   int64 // user_assignments: user.id, for the user_id filter
	rec      any   // *harvest.User, *harvest.Role, ...; never modified once stored
	body     []byte
}

// newRow describes rec and encodes it once: pages are built by concatenating these bodies.
func newRow(rec any) (*row, error) {
	r := &row{rec: rec}
	switch v := rec.(type) {
	case *harvest.User:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, v.IsActive
	case *harvest.Role:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, true
	case *harvest.Client:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, v.IsActive
	case *harvest.Project:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, v.IsActive
		if v.Client != nil {
			r.clientID = v.Client.ID
		}
	case *harvest.Task:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, v.IsActive
	case *harvest.UserAssignment:
		r.id, r.created, r.updated, r.active = v.ID, v.CreatedAt, v.UpdatedAt, v.IsActive
		r.userID = v.User.ID
	default:
		panic(fmt.Sprintf("harvesttest: no table for %T", rec))
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encoding %T %d: %w", rec, r.id, err)
	}
	r.body = body
	return r, nil
}

// rowOrder is the order of every cursor-paged listing: newest created first, then highest id.
func rowOrder(a, b *row) int {
	if c := b.created.Compare(a.created); c != 0 {
		return c
	}
	return cmp.Compare(b.id, a.id)
}

// table holds one cursor-paged resource in listing order.
type table struct {
	rows  []*row
	byID  map[int64]*row
	maxID int64
}

func newTable(rows []*row) *table {
	t := &table{rows: rows, byID: make(map[int64]*row, len(rows))}
	slices.SortFunc(t.rows, rowOrder)
	for _, r := range rows {
		t.byID[r.id] = r
		t.maxID = max(t.maxID, r.id)
	}
	return t
}

// put inserts r, or replaces the row with r's id.
func (t *table) put(r *row) {
	if old, ok := t.byID[r.id]; ok {
		i, found := slices.BinarySearchFunc(t.rows, old, rowOrder)
		if !found {
			panic("harvesttest: table index out of step with rows")
		}
		t.rows = slices.Delete(t.rows, i, i+1)
	}
	i, _ := slices.BinarySearchFunc(t.rows, r, rowOrder)
	t.rows = slices.Insert(t.rows, i, r)
	t.byID[r.id] = r
	t.maxID = max(t.maxID, r.id)
}

// entryOrder is the order of the time entries listing: spent_date newest first, then highest id.
func entryOrder(a, b *harvest.TimeEntry) int {
	if c := cmp.Compare(b.SpentDate, a.SpentDate); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// entryStore holds the time entries in listing order. Because that order starts with
// spent_date, a from/to filter is two binary searches instead of a scan.
type entryStore struct {
	sorted  []*harvest.TimeEntry
	byID    map[int64]*harvest.TimeEntry
	maxID   int64
	version uint64 // bumped by every change; keys the filtered-listing cache
}

func newEntryStore(entries []harvest.TimeEntry) *entryStore {
	s := &entryStore{
		sorted: make([]*harvest.TimeEntry, len(entries)),
		byID:   make(map[int64]*harvest.TimeEntry, len(entries)),
	}
	for i := range entries {
		e := &entries[i]
		s.sorted[i] = e
		s.byID[e.ID] = e
		s.maxID = max(s.maxID, e.ID)
	}
	slices.SortFunc(s.sorted, entryOrder)
	return s
}

func (s *entryStore) put(e *harvest.TimeEntry) {
	if old, ok := s.byID[e.ID]; ok {
		s.remove(old)
	}
	i, _ := slices.BinarySearchFunc(s.sorted, e, entryOrder)
	s.sorted = slices.Insert(s.sorted, i, e)
	s.byID[e.ID] = e
	s.maxID = max(s.maxID, e.ID)
	s.version++
}

func (s *entryStore) remove(e *harvest.TimeEntry) {
	i, found := slices.BinarySearchFunc(s.sorted, e, entryOrder)
	if !found {
		panic("harvesttest: entry index out of step with entries")
	}
	s.sorted = slices.Delete(s.sorted, i, i+1)
	delete(s.byID, e.ID)
	s.version++
}

// dateRange returns the entries whose spent_date lies in [from, to]; an empty bound is open.
// The result aliases the store: use it under the lock only.
func (s *entryStore) dateRange(from, to string) []*harvest.TimeEntry {
	lo, hi := 0, len(s.sorted)
	if to != "" { // dates descend: skip the entries dated after to
		lo = sort.Search(len(s.sorted), func(i int) bool { return s.sorted[i].SpentDate <= to })
	}
	if from != "" {
		hi = sort.Search(len(s.sorted), func(i int) bool { return s.sorted[i].SpentDate < from })
	}
	if hi < lo {
		hi = lo
	}
	return s.sorted[lo:hi]
}
