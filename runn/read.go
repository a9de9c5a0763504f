package runn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	gojson "github.com/goccy/go-json"
)

// Page is one answer of a list endpoint, as received (except that any occurrence of the API token
// is replaced by "[REDACTED]").
type Page struct {
	Endpoint Endpoint
	// Path is the endpoint's path as the spec writes it, e.g. "/clients/".
	Path string
	// URL is the full URL of the request, query included (it never holds the token).
	URL string
	// Seq is the page's 1-based position in the listing.
	Seq    int
	Status int
	Body   []byte
	// FetchedAt is when the answer was read; Duration how long its (last) attempt took.
	FetchedAt time.Time
	Duration  time.Duration
	// Attempts is how many attempts the page took (1 when nothing was retried).
	Attempts int
	// Count is the number of records in the page's values.
	Count int
}

// ListPages walks one list endpoint from the first page to the last, calling fn with each raw
// page in order. The endpoint's FixedQuery and its largest limit are sent unless query sets them;
// query adds filters (modifiedAfter, minDate, externalId, ...) and must not set cursor. An error
// from fn stops the walk and is returned.
func (c *API) ListPages(ctx context.Context, ep Endpoint, query url.Values, fn func(Page) error) error {
	if err := ep.check(); err != nil {
		return err
	}
	q := ep.FixedQuery()
	for k, vs := range query {
		if k == "cursor" {
			return errors.New("runn: ListPages manages the cursor itself; do not pass one")
		}
		q[k] = append([]string(nil), vs...)
	}
	if q.Get("limit") == "" {
		q.Set("limit", strconv.Itoa(ep.MaxLimit()))
	} else if n, err := strconv.Atoi(q.Get("limit")); err != nil || n < 1 || n > ep.MaxLimit() {
		return fmt.Errorf("runn: limit %q for %s: it must be a whole number from 1 to %d", q.Get("limit"), ep.Path(), ep.MaxLimit())
	}

	seen := map[string]bool{}
	for seq := 1; ; seq++ {
		ans, err := c.do(ctx, call{method: http.MethodGet, path: ep.Path(), query: q, repeatable: true})
		if err != nil {
			return fmt.Errorf("runn: listing %s (page %d): %w", ep, seq, err)
		}
		count, next, err := parseEnvelope(ans.body)
		if err != nil {
			return fmt.Errorf("runn: GET %s answered a page Runn's spec does not allow: %w", ans.url, err)
		}
		page := Page{Endpoint: ep, Path: ep.Path(), URL: ans.url, Seq: seq, Status: ans.status, Body: ans.body,
			FetchedAt: ans.fetchedAt, Duration: ans.duration, Attempts: ans.attempts, Count: count}
		if err := fn(page); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		if seen[*next] {
			return fmt.Errorf("runn: GET %s: Runn returned the cursor %q a second time; stopping rather than looping", ans.url, *next)
		}
		seen[*next] = true
		q.Set("cursor", *next)
	}
}

// parseEnvelope checks the {values: [...], nextCursor: string|null} shape of a list answer and
// returns the number of values and the next cursor (nil on the last page).
func parseEnvelope(body []byte) (int, *string, error) {
	var env struct {
		Values     gojson.RawMessage `json:"values"`
		NextCursor gojson.RawMessage `json:"nextCursor"`
	}
	// goccy/go-json: a page of 500 actuals takes a tenth of encoding/json's 2 ms, and every
	// page of a listing waits for this before the next is asked for.
	if err := gojson.Unmarshal(body, &env); err != nil {
		return 0, nil, fmt.Errorf("the answer is not a JSON object: %w", err)
	}
	if len(env.Values) == 0 || env.Values[0] != '[' {
		return 0, nil, errors.New(`the answer has no "values" array`)
	}
	var values []gojson.RawMessage
	if err := gojson.Unmarshal(env.Values, &values); err != nil {
		return 0, nil, fmt.Errorf(`"values": %w`, err)
	}
	switch {
	case len(env.NextCursor) == 0:
		return 0, nil, errors.New(`the answer has no "nextCursor" key`)
	case bytes.Equal(env.NextCursor, []byte("null")):
		return len(values), nil, nil
	}
	var next string
	if err := json.Unmarshal(env.NextCursor, &next); err != nil {
		return 0, nil, fmt.Errorf(`"nextCursor" is neither a string nor null: %s`, env.NextCursor)
	}
	if next == "" {
		return 0, nil, errors.New(`"nextCursor" is an empty string`)
	}
	return len(values), &next, nil
}

// listAll collects every record of an endpoint.
func listAll[T any](ctx context.Context, c *API, ep Endpoint, query url.Values) ([]T, error) {
	out := []T{}
	err := c.ListPages(ctx, ep, query, func(p Page) error {
		var env struct {
			Values []T `json:"values"`
		}
		if err := json.Unmarshal(p.Body, &env); err != nil {
			return fmt.Errorf("runn: decoding page %d of GET %s: %w", p.Seq, p.URL, err)
		}
		out = append(out, env.Values...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListClients lists every client, archived ones included.
func (c *API) ListClients(ctx context.Context) ([]Client, error) {
	return listAll[Client](ctx, c, EndpointClients, nil)
}

// ListProjects lists every project, archived ones included.
func (c *API) ListProjects(ctx context.Context) ([]Project, error) {
	return listAll[Project](ctx, c, EndpointProjects, nil)
}

// ListPeople lists every person (placeholders excluded, as Runn does by default).
func (c *API) ListPeople(ctx context.Context) ([]Person, error) {
	return listAll[Person](ctx, c, EndpointPeople, nil)
}

// ListRoles lists every role.
func (c *API) ListRoles(ctx context.Context) ([]Role, error) {
	return listAll[Role](ctx, c, EndpointRoles, nil)
}

// ListContracts lists every contract of every person.
func (c *API) ListContracts(ctx context.Context) ([]Contract, error) {
	return listAll[Contract](ctx, c, EndpointContracts, nil)
}

// ListAssignments lists every assignment.
func (c *API) ListAssignments(ctx context.Context) ([]Assignment, error) {
	return listAll[Assignment](ctx, c, EndpointAssignments, nil)
}

// ListActuals lists the actuals dated from minDate to maxDate, both inclusive, as YYYY-MM-DD;
// an empty bound is open.
func (c *API) ListActuals(ctx context.Context, minDate, maxDate string) ([]Actual, error) {
	q := url.Values{}
	for name, d := range map[string]string{"minDate": minDate, "maxDate": maxDate} {
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("runn: ListActuals %s %q is not a YYYY-MM-DD date", name, d)
		}
		q.Set(name, d)
	}
	return listAll[Actual](ctx, c, EndpointActuals, q)
}

// ListProjectTags lists every project tag, archived ones included.
func (c *API) ListProjectTags(ctx context.Context) ([]ProjectTag, error) {
	return listAll[ProjectTag](ctx, c, EndpointProjectTags, nil)
}

// FindPeopleByExternalID returns the people carrying a reference whose externalId is exactly id,
// whatever its referenceName (the caller checks that). Runn's externalId filter is used, and
// its answer re-checked here because how it matches is not documented.
func (c *API) FindPeopleByExternalID(ctx context.Context, id string) ([]Person, error) {
	if id == "" {
		return nil, errors.New("runn: FindPeopleByExternalID needs an external id")
	}
	people, err := listAll[Person](ctx, c, EndpointPeople, url.Values{"externalId": {id}})
	if err != nil {
		return nil, err
	}
	return keepReferenced(people, id, func(p Person) []Reference { return p.References }), nil
}

// FindProjectsByExternalID returns the projects (archived ones included) carrying a reference
// whose externalId is exactly id; see FindPeopleByExternalID.
func (c *API) FindProjectsByExternalID(ctx context.Context, id string) ([]Project, error) {
	if id == "" {
		return nil, errors.New("runn: FindProjectsByExternalID needs an external id")
	}
	projects, err := listAll[Project](ctx, c, EndpointProjects, url.Values{"externalId": {id}})
	if err != nil {
		return nil, err
	}
	return keepReferenced(projects, id, func(p Project) []Reference { return p.References }), nil
}

func keepReferenced[T any](records []T, id string, refs func(T) []Reference) []T {
	out := records[:0]
	for _, r := range records {
		for _, ref := range refs(r) {
			if ref.ExternalID == id {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// Me returns the name Runn gives the token's account (GET /me/): a cheap check that the base
// URL and the token are right.
func (c *API) Me(ctx context.Context) (string, error) {
	ans, err := c.do(ctx, call{method: http.MethodGet, path: "/me/", repeatable: true})
	if err != nil {
		return "", err
	}
	var me struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(ans.body, &me); err != nil {
		return "", fmt.Errorf("runn: decoding GET %s: %w", ans.url, err)
	}
	return me.Name, nil
}
