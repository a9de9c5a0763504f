package harvesttest

import (
	"sort"
	"strconv"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func matchRow(r *row, lq *listQuery) bool {
	return (lq.isActive == nil || r.active == *lq.isActive) &&
		(lq.updatedSince == nil || r.updated.After(*lq.updatedSince)) &&
		(lq.clientID == 0 || r.clientID == lq.clientID) &&
		(lq.userID == 0 || r.userID == lq.userID)
}

// listRows serves a page of a cursor-paged listing. Must hold s.mu (read).
//
// A cursor names the record a page continues after (or ends before) and is resolved through
// that record's place in the order, so records created while a client walks the listing land
// on pages it has already read (newest first) and never shift the pages still to come.
func (s *Server) listRows(res resource, t *table, lq listQuery) ([]byte, error) {
	var rows []*row
	for _, r := range t.rows {
		if matchRow(r, &lq) {
			rows = append(rows, r)
		}
	}
	n := len(rows)
	start, end := 0, min(lq.perPage, n)
	switch {
	case lq.after != 0 || lq.before != 0:
		ref, ok := t.byID[lq.after+lq.before]
		if !ok {
			return nil, &paramError{"cursor", encodeCursor(cursor{lq.after, lq.before}), "names a record that does not exist; restart from the first page"}
		}
		if lq.after != 0 {
			start = sort.Search(n, func(i int) bool { return rowOrder(rows[i], ref) > 0 })
			end = min(start+lq.perPage, n)
		} else {
			end = sort.Search(n, func(i int) bool { return rowOrder(rows[i], ref) >= 0 })
			start = max(0, end-lq.perPage)
		}
	case lq.page > 0:
		start = min((lq.page-1)*lq.perPage, n)
		end = min(start+lq.perPage, n)
	}

	p := pageInfo{perPage: lq.perPage, totalEntries: n, totalPages: pageCount(n, lq.perPage)}
	p.first = s.link(res.name, lq.carry, "page", "1", "per_page", strconv.Itoa(lq.perPage), "ref", "first")
	p.last = s.link(res.name, lq.carry, "page", strconv.Itoa(max(p.totalPages, 1)), "per_page", strconv.Itoa(lq.perPage), "ref", "last")
	if end < n {
		p.next = s.link(res.name, lq.carry, "cursor", encodeCursor(cursor{after: rows[end-1].id}), "per_page", strconv.Itoa(lq.perPage), "ref", "next_cursor")
	}
	if start > 0 && start < end {
		p.previous = s.link(res.name, lq.carry, "cursor", encodeCursor(cursor{before: rows[start].id}), "per_page", strconv.Itoa(lq.perPage), "ref", "previous_cursor")
	}
	// In cursor mode Harvest fills the page numbers on the first and last pages only; a
	// request by (deprecated) page number still gets them all.
	switch first, last := start == 0, end >= n; {
	case lq.page > 0:
		p.page = lq.page
		if lq.page < p.totalPages {
			p.nextPage = lq.page + 1
		}
		p.previousPage = lq.page - 1
	case first:
		p.page = 1
		if !last {
			p.nextPage = 2
		}
	case last:
		p.page = p.totalPages
		p.previousPage = p.totalPages - 1
	}

	size := 256
	for _, r := range rows[start:end] {
		size += len(r.body) + 1
	}
	body := appendEnvelope(make([]byte, 0, size), res.name, func(b []byte) []byte {
		for i, r := range rows[start:end] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, r.body...)
		}
		return b
	}, p)
	return body, nil
}

func matchEntry(e *harvest.TimeEntry, lq *listQuery) bool {
	return (lq.userID == 0 || e.User.ID == lq.userID) &&
		(lq.clientID == 0 || e.Client.ID == lq.clientID) &&
		(lq.projectID == 0 || e.Project.ID == lq.projectID) &&
		(lq.taskID == 0 || e.Task.ID == lq.taskID) &&
		(lq.isRunning == nil || e.IsRunning == *lq.isRunning) &&
		(lq.isBilled == nil || e.IsBilled == *lq.isBilled) &&
		(lq.updatedSince == nil || e.UpdatedAt.After(*lq.updatedSince)) &&
		(lq.externalRef == nil || (e.ExternalReference != nil && e.ExternalReference.ID == *lq.externalRef))
}

// filteredEntries returns the time entries the query selects, in listing order. Must hold
// s.mu. The date bounds are binary searches; other filters scan the dated range once per
// query and state version, and the result is cached for the query's following pages.
func (s *Server) filteredEntries(lq *listQuery) []*harvest.TimeEntry {
	dated := s.entries.dateRange(lq.from, lq.to)
	if lq.userID == 0 && lq.clientID == 0 && lq.projectID == 0 && lq.taskID == 0 &&
		lq.isRunning == nil && lq.isBilled == nil && lq.updatedSince == nil && lq.externalRef == nil {
		return dated
	}
	key := lq.carry.Encode()
	if hit, ok := s.cache.get(key, s.entries.version); ok {
		return hit
	}
	var out []*harvest.TimeEntry
	for _, e := range dated {
		if matchEntry(e, lq) {
			out = append(out, e)
		}
	}
	s.cache.put(key, s.entries.version, out)
	return out
}

// listEntries serves a page of the page-numbered time entries listing. Must hold s.mu (read).
func (s *Server) listEntries(lq listQuery) []byte {
	entries := s.filteredEntries(&lq)
	n := len(entries)
	page := max(lq.page, 1)
	start := min((page-1)*lq.perPage, n)
	end := min(start+lq.perPage, n)
	perPage := strconv.Itoa(lq.perPage)

	p := pageInfo{perPage: lq.perPage, totalEntries: n, totalPages: pageCount(n, lq.perPage), page: page}
	p.first = s.link("time_entries", lq.carry, "page", "1", "per_page", perPage)
	p.last = s.link("time_entries", lq.carry, "page", strconv.Itoa(max(p.totalPages, 1)), "per_page", perPage)
	if page < p.totalPages {
		p.nextPage = page + 1
		p.next = s.link("time_entries", lq.carry, "page", strconv.Itoa(p.nextPage), "per_page", perPage)
	}
	if page > 1 {
		p.previousPage = page - 1
		p.previous = s.link("time_entries", lq.carry, "page", strconv.Itoa(p.previousPage), "per_page", perPage)
	}
	return appendEnvelope(make([]byte, 0, 512+1300*(end-start)), "time_entries", func(b []byte) []byte {
		for i, e := range entries[start:end] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTimeEntry(b, e)
		}
		return b
	}, p)
}
