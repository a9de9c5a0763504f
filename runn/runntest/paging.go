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
func list[T any](c *call, records []*T, meta func(*T) recordMeta, keep func(*T) bool) (int, any, *apiError) {
	limit := 50
	if d, ok := c.queryDefault("limit").(float64); ok {
		limit = int(d)
	}
	if n, ok := c.queryInt("limit"); ok {
		limit = int(n)
	}
	sortBy, ok := c.query("sortBy")
	if !ok {
		sortBy = "id"
	}
	order, ok := c.query("order")
	if !ok {
		order = "asc"
	}
	var modifiedAfter time.Time
	if v, ok := c.query("modifiedAfter"); ok {
		t, err := parseDateOrTime(v)
		if err != nil {
			return 0, nil, badRequest("querystring/modifiedAfter: must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
		}
		modifiedAfter = t
	}

	sortKey := func(m recordMeta) int64 {
		switch sortBy {
		case "createdAt":
			return m.created.UnixNano()
		case "updatedAt":
			return m.updated.UnixNano()
		}
		return m.id
	}
	type entry struct {
		rec     *T
		key, id int64
	}
	var kept []entry
	for _, r := range records {
		m := meta(r)
		if !modifiedAfter.IsZero() && !m.updated.After(modifiedAfter) {
			continue
		}
		if keep != nil && !keep(r) {
			continue
		}
		kept = append(kept, entry{rec: r, key: sortKey(m), id: m.id})
	}
	compare := func(aKey, aID, bKey, bID int64) int {
		d := cmp.Or(cmp.Compare(aKey, bKey), cmp.Compare(aID, bID))
		if order == "desc" {
			return -d
		}
		return d
	}
	slices.SortFunc(kept, func(a, b entry) int { return compare(a.key, a.id, b.key, b.id) })

	start := 0
	if v, ok := c.query("cursor"); ok {
		pos, valid := decodeCursor(v)
		if !valid || pos.SortBy != sortBy || pos.Order != order {
			return 0, nil, badRequest("querystring/cursor: is not a cursor of this list with this sortBy and order")
		}
		start, _ = slices.BinarySearchFunc(kept, pos, func(e entry, p cursorPos) int {
			if compare(e.key, e.id, p.Key, p.ID) <= 0 {
				return -1
			}
			return 1
		})
	}
	end := min(len(kept), start+limit)
	page := listPage[T]{Values: make([]*T, 0, end-start)}
	for _, e := range kept[start:end] {
		page.Values = append(page.Values, e.rec)
	}
	if end < len(kept) {
		last := kept[end-1]
		next := encodeCursor(cursorPos{SortBy: sortBy, Order: order, Key: last.key, ID: last.id})
		page.NextCursor = &next
	}
	return http.StatusOK, page, nil
}

func parseDateOrTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}
