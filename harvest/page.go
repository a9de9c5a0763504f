package harvest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
)

// Page is one 200 answer of a listing, exactly as received.
type Page struct {
	Resource     Resource
	Seq          int    // 1-based position in the listing; the page number for page-numbered listings
	URL          string // the URL fetched, without credentials
	Status       int
	Body         []byte // the body byte for byte
	FetchedAt    time.Time
	Duration     time.Duration // of the successful attempt, waits excluded
	Attempts     int
	Records      int // elements in the records array
	TotalPages   int // as the page says; 0 when absent
	TotalEntries int // as the page says; 0 when absent
}

// envelope is what the client needs from a page; the records themselves stay in the body.
type envelope struct {
	records      int
	page         *int // nil in cursor mode's middle pages
	perPage      int  // 0 when absent
	totalPages   int
	totalEntries int
	hasEntries   bool   // total_entries was there (0 is a count then, not an absence)
	next         string // links.next, "" when null
}

// parseEnvelope checks that body is a page of a listing whose records are under key. The
// error is the reason it is not.
func parseEnvelope(body []byte, key string) (envelope, error) {
	var env envelope
	// goccy/go-json: a page of 2,000 time entries is a few MB, and encoding/json's scans were
	// most of the extract's CPU (docs/benchmarks.md).
	var top map[string]json.RawMessage
	if err := gojson.Unmarshal(body, &top); err != nil || top == nil {
		return env, fmt.Errorf("the body is not a JSON object: %v", jsonReason(err))
	}
	raw, ok := top[key]
	if !ok {
		return env, fmt.Errorf("no %q key", key)
	}
	if !startsWith(raw, '[') {
		return env, fmt.Errorf("%q is not an array", key)
	}
	// Records must be objects; their fields are the caller's business, so they are skipped.
	var records []struct{}
	if err := gojson.Unmarshal(raw, &records); err != nil {
		return env, fmt.Errorf("%q: %v", key, err)
	}
	env.records = len(records)

	var err error
	if env.page, err = optionalInt(top, "page"); err != nil {
		return env, err
	}
	for name, dst := range map[string]*int{"per_page": &env.perPage, "total_pages": &env.totalPages, "total_entries": &env.totalEntries} {
		n, err := optionalInt(top, name)
		if err != nil {
			return env, err
		}
		if n != nil {
			*dst = *n
			env.hasEntries = env.hasEntries || name == "total_entries"
		}
	}

	rawLinks, ok := top["links"]
	if !ok {
		return env, fmt.Errorf("no %q key", "links")
	}
	var links map[string]json.RawMessage
	if !startsWith(rawLinks, '{') || json.Unmarshal(rawLinks, &links) != nil {
		return env, fmt.Errorf("%q is not an object", "links")
	}
	rawNext, ok := links["next"]
	if !ok {
		return env, fmt.Errorf("no %q key", "links.next")
	}
	if !bytes.Equal(rawNext, []byte("null")) {
		if err := json.Unmarshal(rawNext, &env.next); err != nil || env.next == "" {
			return env, fmt.Errorf("%q is neither a URL nor null", "links.next")
		}
	}
	return env, nil
}

// optionalInt reads top[name] as an integer, nil when it is absent or null.
func optionalInt(top map[string]json.RawMessage, name string) (*int, error) {
	raw, ok := top[name]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, fmt.Errorf("%q is not an integer", name)
	}
	return &n, nil
}

func startsWith(raw json.RawMessage, c byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == c
}

func jsonReason(err error) string {
	if err == nil {
		return "null"
	}
	return err.Error()
}

// askedPage is the page number u asks for in page-number mode, or 0 in cursor mode.
func askedPage(u *url.URL) int {
	q := u.Query()
	if q.Has("cursor") || !q.Has("page") {
		return 0
	}
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// withPage is u asking for page n instead.
func withPage(u *url.URL, n int) *url.URL {
	v := *u
	q := v.Query()
	q.Set("page", strconv.Itoa(n))
	v.RawQuery = q.Encode()
	return &v
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
