package runntest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

const bulkActualsPath = "/actuals/bulk/"

// handler serves one operation. It runs with the server's mutex held and returns the status
// and the value to encode, or a refusal.
type handler func(st *store, c *call) (int, any, *apiError)

// handlerTable maps the spec's operationIds to their implementation. NewServer checks that
// it covers exactly the spec's operations, so the fake serves nothing the spec lacks.
func handlerTable() map[string]handler {
	return map[string]handler{
		"listActuals":              listActuals,
		"createActual":             createActual,
		"createActualsBulk":        createActualsBulk,
		"listAssignments":          listAssignments,
		"listClients":              listClients,
		"createClient":             createClient,
		"getClient":                getClient,
		"listContracts":            listContracts,
		"getCurrentUser":           getCurrentUser,
		"listPeople":               listPeople,
		"createPerson":             createPerson,
		"getPerson":                getPerson,
		"listPersonContracts":      listPersonContracts,
		"getPersonCurrentContract": getPersonCurrentContract,
		"listProjectTags":          listProjectTags,
		"addProjectTagToProject":   addProjectTagToProject,
		"listProjects":             listProjects,
		"createProject":            createProject,
		"getProject":               getProject,
		"listRoles":                listRoles,
		"createRole":               createRole,
		"updateClient":             updateClient,
		"updatePerson":             updatePerson,
		"updateProject":            updateProject,
		"updateRole":               updateRole,
	}
}

// operation is one method on one spec path, matched exactly: Runn's paths differ by a
// trailing slash (/clients/ but /clients/{clientId}), and the fake holds callers to it.
type operation struct {
	id       string
	method   string
	path     string
	segments []string
	handle   handler
}

func operationsOf(doc *openapi3.T) ([]*operation, error) {
	handlers := handlerTable()
	var ops []*operation
	seen := map[string]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			h, ok := handlers[op.OperationID]
			if !ok {
				return nil, fmt.Errorf("runntest: the spec's operation %s %s (%s) has no handler", method, path, op.OperationID)
			}
			seen[op.OperationID] = true
			ops = append(ops, &operation{id: op.OperationID, method: method, path: path, segments: strings.Split(path, "/"), handle: h})
		}
	}
	for id := range handlers {
		if !seen[id] {
			return nil, fmt.Errorf("runntest: handler %s serves no operation of the spec", id)
		}
	}
	slices.SortFunc(ops, func(a, b *operation) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return ops, nil
}

// matchOperation finds the operation for method and path, or nil (404).
func matchOperation(ops []*operation, method, path string) *operation {
	segments := strings.Split(path, "/")
	for _, op := range ops {
		if op.method == method && segmentsMatch(op.segments, segments) {
			return op
		}
	}
	return nil
}

func segmentsMatch(pattern, segments []string) bool {
	if len(pattern) != len(segments) {
		return false
	}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segments[i] == "" {
				return false
			}
			continue
		}
		if p != segments[i] {
			return false
		}
	}
	return true
}

// call is one validated request on its way to a handler.
type call struct {
	r      *http.Request
	op     *operation
	route  *routers.Route
	params map[string]string
	body   []byte
	now    time.Time
	today  string
	// applyItems caps how many bulk items are applied (PartialBulk); negative: no cap.
	applyItems int
	// lists is Server.lists, for list.
	lists *listCache
	// early is a read's answer worked out while the request's latency passes (Server.accept).
	early <-chan answered
}

// pathID is a path parameter, already validated as an integer.
func (c *call) pathID(name string) int64 {
	id, _ := strconv.ParseInt(c.params[name], 10, 64)
	return id
}

// query returns a query parameter only when the operation declares it: the real API ignores
// the others, and so must the fake (a filter that works here but not there hides bugs).
func (c *call) query(name string) (string, bool) {
	if c.route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
		return "", false
	}
	q := c.r.URL.Query()
	if !q.Has(name) {
		return "", false
	}
	return q.Get(name), true
}

func (c *call) queryInt(name string) (int64, bool) {
	v, ok := c.query(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

func (c *call) queryBool(name string) (value, ok bool) {
	v, ok := c.query(name)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}

// queryDefault is the spec's default for a query parameter, or nil.
func (c *call) queryDefault(name string) any {
	p := c.route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name)
	if p == nil || p.Schema == nil || p.Schema.Value == nil {
		return nil
	}
	return p.Schema.Value.Default
}

// decodeBody reads the JSON body into v. Runn's bodies are objects; an absent body on an
// operation whose body the spec leaves optional is refused as Runn's validator would.
func (c *call) decodeBody(v any) *apiError {
	if len(c.body) == 0 {
		return badRequest("body: must be object")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return badRequest("body: %v", err)
	}
	return nil
}

// wholeID turns an id the spec types as "number" into an integer, refusing fractions.
func wholeID(field string, v float64) (int64, *apiError) {
	if v != math.Trunc(v) || v < 0 || v > 1<<53 {
		return 0, badRequest("%s: must be a whole, non-negative id", field)
	}
	return int64(v), nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
