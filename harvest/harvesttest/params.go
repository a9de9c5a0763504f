package harvesttest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const maxPerPage = 2000 // also the default, as on the real API

// resource describes one listing: its path segment (also its envelope key), its paging mode
// and the filters it accepts. Other query parameters are ignored, as Harvest ignores them.
type resource struct {
	name    string
	cursor  bool // cursor paging; otherwise page numbers
	filters []string
}

func lookupResource(name string) (resource, bool) {
	switch name {
	case "users", "clients", "tasks":
		return resource{name, true, []string{"is_active", "updated_since"}}, true
	case "roles":
		return resource{name, true, []string{"updated_since"}}, true
	case "projects":
		return resource{name, true, []string{"is_active", "client_id", "updated_since"}}, true
	case "user_assignments":
		return resource{name, true, []string{"is_active", "user_id", "updated_since"}}, true
	case "time_entries":
		return resource{name, false, []string{
			"user_id", "client_id", "project_id", "task_id", "external_reference_id",
			"is_billed", "is_running", "updated_since", "from", "to",
		}}, true
	}
	return resource{}, false
}

// listQuery is a validated listing request.
type listQuery struct {
	perPage int
	page    int   // 1-based page number; 0 when the request has none
	after   int64 // cursor {"after":{"id":N}}; 0 when none
	before  int64 // cursor {"before":{"id":N}}; 0 when none

	isActive, isRunning, isBilled       *bool
	updatedSince                        *time.Time
	clientID, userID, projectID, taskID int64
	externalRef                         *string
	from, to                            string

	carry url.Values // the accepted filters as sent, carried into the page links
}

// paramError is a query parameter the API answers 422 for.
type paramError struct {
	param, value, want string
}

func (e *paramError) Error() string {
	return fmt.Sprintf("%s=%q is invalid: %s", e.param, e.value, e.want)
}

func parseListQuery(res resource, q url.Values) (listQuery, error) {
	lq := listQuery{perPage: maxPerPage, carry: url.Values{}}
	if v, ok := lookup(q, "per_page"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return lq, &paramError{"per_page", v, "must be an integer from 1 to 2000"}
		}
		lq.perPage = n
	}
	if v, ok := lookup(q, "page"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return lq, &paramError{"page", v, "must be a positive integer"}
		}
		lq.page = n
	}
	if v, ok := lookup(q, "cursor"); ok && res.cursor {
		c, err := decodeCursor(v)
		if err != nil {
			return lq, &paramError{"cursor", v, "is not a cursor this API issued; follow links.next"}
		}
		lq.after, lq.before, lq.page = c.after, c.before, 0 // cursor wins over page
	}
	for _, name := range res.filters {
		v, ok := lookup(q, name)
		if !ok {
			continue
		}
		if err := lq.setFilter(name, v); err != nil {
			return lq, err
		}
		lq.carry.Set(name, v)
	}
	return lq, nil
}

// lookup returns the first value of name; a parameter sent empty counts as absent.
func lookup(q url.Values, name string) (string, bool) {
	v := q.Get(name)
	return v, v != ""
}

func (lq *listQuery) setFilter(name, v string) error {
	switch name {
	case "is_active", "is_running", "is_billed":
		b, ok := parseBool(v)
		if !ok {
			return &paramError{name, v, "must be true or false"}
		}
		switch name {
		case "is_active":
			lq.isActive = &b
		case "is_running":
			lq.isRunning = &b
		default:
			lq.isBilled = &b
		}
	case "updated_since":
		t, ok := parseDateTime(v)
		if !ok {
			return &paramError{name, v, "must be an ISO 8601 date-time such as 2024-01-31T17:00:00Z"}
		}
		lq.updatedSince = &t
	case "user_id", "client_id", "project_id", "task_id":
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return &paramError{name, v, "must be a positive integer id"}
		}
		switch name {
		case "user_id":
			lq.userID = id
		case "client_id":
			lq.clientID = id
		case "project_id":
			lq.projectID = id
		default:
			lq.taskID = id
		}
	case "from", "to":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return &paramError{name, v, "must be a date such as 2024-01-31"}
		}
		if name == "from" {
			lq.from = v
		} else {
			lq.to = v
		}
	case "external_reference_id":
		lq.externalRef = &v
	}
	return nil
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// parseDateTime accepts the ISO 8601 forms clients send: with a zone or offset (RFC 3339),
// without one (taken as UTC), or a bare date (midnight UTC).
func parseDateTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// cursor is the decoded form of the opaque cursor parameter: url-safe base64 of
// {"after":{"id":N}} or {"before":{"id":N}}, as Harvest documents.
type cursor struct {
	after, before int64
}

type cursorRef struct {
	ID int64 `json:"id"`
}

type cursorJSON struct {
	After  *cursorRef `json:"after,omitempty"`
	Before *cursorRef `json:"before,omitempty"`
}

func encodeCursor(c cursor) string {
	var j cursorJSON
	if c.after != 0 {
		j.After = &cursorRef{c.after}
	} else {
		j.Before = &cursorRef{c.before}
	}
	b, _ := json.Marshal(j) // two small structs always encode
	return base64.URLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return cursor{}, err
	}
	var j cursorJSON
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return cursor{}, err
	}
	switch {
	case j.After != nil && j.Before == nil && j.After.ID > 0:
		return cursor{after: j.After.ID}, nil
	case j.Before != nil && j.After == nil && j.Before.ID > 0:
		return cursor{before: j.Before.ID}, nil
	}
	return cursor{}, fmt.Errorf("cursor %s names no record", raw)
}
