package runntest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// listPage is the envelope of every Runn list.
type listPage[T any] struct {
	Values     []*T    `json:"values"`
	NextCursor *string `json:"nextCursor"`
}

// recordMeta is what lists sort and page on.
type recordMeta struct {
	id               int64
	created, updated time.Time
}

// cursorPos is the opaque cursor: where the previous page ended, in the ordering it was
// asked for. Keyset rather than offset, so records created between pages do not shift it.
type cursorPos struct {
	SortBy string `json:"s"`
	Order  string `json:"o"`
	Key    int64  `json:"k"`
	ID     int64  `json:"i"`
}

func encodeCursor(p cursorPos) string {
	b, _ := json.Marshal(p) // a struct of strings and ints always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursorPos, bool) {
	var p cursorPos
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &p) != nil {
		return p, false
	}
	return p, true
}

// list filters, sorts and pages records as the operation's query asks: limit (default from
// the spec), cursor, sortBy, order and modifiedAfter, where the operation declares them.
func list[T any](c *call, records *table[T], meta func(*T) recordMeta, keep func(*T) bool) (int, any, *apiError) {
	q, apiErr := parseListQuery(c)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	key := listKey(c)
	kept, ok := c.lists.get(key).([]listEntry[T])
	if !ok {
		kept = sortedEntries(q, records.all(), meta, keep)
		c.lists.put(key, kept)
	}
	start, apiErr := cursorStart(c, q, kept)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	return http.StatusOK, pageOf(q, kept, start), nil
}

// listKey names a listing: its path and query but the cursor, and the day (filters may
// depend on it).
func listKey(c *call) string {
	q := c.r.URL.Query()
	q.Del("cursor")
	return c.r.URL.Path + "?" + q.Encode() + "|" + c.today
}

// listQuery is what a list call asks for, with the defaults filled in.
type listQuery struct {
	limit         int
	sortBy, order string
	modifiedAfter time.Time // zero: no filter
}

func parseListQuery(c *call) (listQuery, *apiError) {
	q := listQuery{limit: 50, sortBy: "id", order: "asc"}
	if d, ok := c.queryDefault("limit").(float64); ok {
		q.limit = int(d)
	}
	if n, ok := c.queryInt("limit"); ok {
		q.limit = int(n)
	}
	if v, ok := c.query("sortBy"); ok {
		q.sortBy = v
	}
	if v, ok := c.query("order"); ok {
		q.order = v
	}
	if v, ok := c.query("modifiedAfter"); ok {
		t, err := parseDateOrTime(v)
		if err != nil {
			return q, badRequest("querystring/modifiedAfter: must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
		}
		q.modifiedAfter = t
	}
	return q, nil
}

func (q listQuery) sortKey(m recordMeta) int64 {
	switch q.sortBy {
	case "createdAt":
		return m.created.UnixNano()
	case "updatedAt":
		return m.updated.UnixNano()
	}
	return m.id
}

// compare orders two records by sort key, then id, in the asked order.
func (q listQuery) compare(aKey, aID, bKey, bID int64) int {
	d := cmp.Or(cmp.Compare(aKey, bKey), cmp.Compare(aID, bID))
	if q.order == "desc" {
		return -d
	}
	return d
}

// listEntry is a kept record with what it is sorted on.
type listEntry[T any] struct {
	rec     *T
	key, id int64
}

// sortedEntries keeps the records modified after q.modifiedAfter that keep (nil: all) keeps,
// in q's order.
func sortedEntries[T any](q listQuery, records []*T, meta func(*T) recordMeta, keep func(*T) bool) []listEntry[T] {
	var kept []listEntry[T]
	for _, r := range records {
		m := meta(r)
		if !q.modifiedAfter.IsZero() && !m.updated.After(q.modifiedAfter) {
			continue
		}
		if keep != nil && !keep(r) {
			continue
		}
		kept = append(kept, listEntry[T]{rec: r, key: q.sortKey(m), id: m.id})
	}
	slices.SortFunc(kept, func(a, b listEntry[T]) int { return q.compare(a.key, a.id, b.key, b.id) })
	return kept
}

// cursorStart is the index in kept of the first record after the call's cursor (0 without
// one); a cursor of another ordering is refused.
func cursorStart[T any](c *call, q listQuery, kept []listEntry[T]) (int, *apiError) {
	v, ok := c.query("cursor")
	if !ok {
		return 0, nil
	}
	pos, valid := decodeCursor(v)
	if !valid || pos.SortBy != q.sortBy || pos.Order != q.order {
		return 0, badRequest("querystring/cursor: is not a cursor of this list with this sortBy and order")
	}
	start, _ := slices.BinarySearchFunc(kept, pos, func(e listEntry[T], p cursorPos) int {
		if q.compare(e.key, e.id, p.Key, p.ID) <= 0 {
			return -1
		}
		return 1
	})
	return start, nil
}

// pageOf is the page of up to q.limit records from start, with the cursor of the next page
// when there is one.
func pageOf[T any](q listQuery, kept []listEntry[T], start int) listPage[T] {
	end := min(len(kept), start+q.limit)
	page := listPage[T]{Values: make([]*T, 0, end-start)}
	for _, e := range kept[start:end] {
		page.Values = append(page.Values, e.rec)
	}
	if end < len(kept) {
		last := kept[end-1]
		next := encodeCursor(cursorPos{SortBy: q.sortBy, Order: q.order, Key: last.key, ID: last.id})
		page.NextCursor = &next
	}
	return page
}

func parseDateOrTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}
