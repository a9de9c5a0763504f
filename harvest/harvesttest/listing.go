package harvesttest

import (
	"net/url"
	"sort"
	"strconv"
	"sync"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// pageInfo is everything in a listing envelope except the records.
type pageInfo struct {
	perPage, totalPages, totalEntries int
	page, nextPage, previousPage      int    // 0 is written as null
	first, next, previous, last       string // "" is written as null (next and previous only)
}

// appendEnvelope writes {"<key>":[records...],"per_page":...,"links":{...}}, the envelope
// Harvest wraps every listing in; records appends the comma-separated records.
func appendEnvelope(b []byte, key string, records func([]byte) []byte, p pageInfo) []byte {
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	b = records(b)
	b = append(b, `],"per_page":`...)
	b = strconv.AppendInt(b, int64(p.perPage), 10)
	b = append(b, `,"total_pages":`...)
	b = strconv.AppendInt(b, int64(p.totalPages), 10)
	b = append(b, `,"total_entries":`...)
	b = strconv.AppendInt(b, int64(p.totalEntries), 10)
	b = append(b, `,"next_page":`...)
	b = appendPageNumber(b, p.nextPage)
	b = append(b, `,"previous_page":`...)
	b = appendPageNumber(b, p.previousPage)
	b = append(b, `,"page":`...)
	b = appendPageNumber(b, p.page)
	b = append(b, `,"links":{"first":`...)
	b = appendLink(b, p.first)
	b = append(b, `,"next":`...)
	b = appendLink(b, p.next)
	b = append(b, `,"previous":`...)
	b = appendLink(b, p.previous)
	b = append(b, `,"last":`...)
	b = appendLink(b, p.last)
	return append(b, "}}"...)
}

func appendPageNumber(b []byte, n int) []byte {
	if n == 0 {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendLink writes a URL, or null for "". Unlike record strings, links keep '&' unescaped:
// both are valid JSON, and this one is readable in a log or a saved page.
func appendLink(b []byte, l string) []byte {
	if l == "" {
		return append(b, "null"...)
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return appendString(b, l)
		}
	}
	b = append(b, '"')
	b = append(b, l...)
	return append(b, '"')
}

// link builds a listing URL on the server's own base URL, carrying the request's filters.
// Parameters come out sorted by name, like Harvest's own links.
func (s *Server) link(res string, carry url.Values, extra ...string) string {
	v := make(url.Values, len(carry)+len(extra)/2)
	for k, vs := range carry {
		v[k] = vs
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return s.base + "/v2/" + res + "?" + v.Encode()
}

func pageCount(n, perPage int) int { return (n + perPage - 1) / perPage }

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

// entryCache keeps the last few filtered time-entry listings, so walking a filtered listing
// of a million entries scans them once rather than once per page.
type entryCache struct {
	mu      sync.Mutex
	version uint64
	keys    []string // oldest first
	lists   map[string][]*harvest.TimeEntry
}

const entryCacheSize = 8

func (c *entryCache) get(key string, version uint64) ([]*harvest.TimeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return nil, false
	}
	l, ok := c.lists[key]
	return l, ok
}

func (c *entryCache) put(key string, version uint64, list []*harvest.TimeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.lists == nil {
		c.version, c.keys, c.lists = version, nil, map[string][]*harvest.TimeEntry{}
	}
	if _, ok := c.lists[key]; ok {
		return
	}
	if len(c.keys) == entryCacheSize {
		delete(c.lists, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, key)
	c.lists[key] = list
}
