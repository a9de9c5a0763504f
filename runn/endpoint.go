package runn

import (
	"fmt"
	"net/url"
)

// Endpoint is one list endpoint of Runn API v1. Its value is a short name fit for a table or a
// log line ("clients", "project-tags").
type Endpoint string

// The list endpoints harvest2runn reads.
const (
	EndpointClients     Endpoint = "clients"
	EndpointProjects    Endpoint = "projects"
	EndpointPeople      Endpoint = "people"
	EndpointRoles       Endpoint = "roles"
	EndpointContracts   Endpoint = "contracts"
	EndpointAssignments Endpoint = "assignments"
	EndpointActuals     Endpoint = "actuals"
	EndpointProjectTags Endpoint = "project-tags"
)

// Endpoints returns every list endpoint, in the order a snapshot of Runn is best taken (the
// order of R15, then the records that hang off them).
func Endpoints() []Endpoint {
	return []Endpoint{
		EndpointRoles, EndpointClients, EndpointProjects, EndpointPeople,
		EndpointProjectTags, EndpointContracts, EndpointAssignments, EndpointActuals,
	}
}

// Path is the endpoint's path exactly as the spec writes it.
func (e Endpoint) Path() string {
	if !e.valid() {
		return ""
	}
	return "/" + string(e) + "/"
}

// MaxLimit is the largest page size the spec allows on the endpoint.
func (e Endpoint) MaxLimit() int {
	switch {
	case !e.valid():
		return 0
	case e == EndpointActuals, e == EndpointAssignments:
		return 500
	default:
		return 200
	}
}

// FixedQuery returns the query parameters always sent to the endpoint: those the spec marks
// required (sortBy on clients and contracts, includeArchived on projects), and includeArchived
// on project tags, whose default (false) would hide archived tags from a snapshot.
func (e Endpoint) FixedQuery() url.Values {
	q := url.Values{}
	switch e {
	case EndpointClients, EndpointContracts:
		q.Set("sortBy", "id")
	case EndpointProjects, EndpointProjectTags:
		q.Set("includeArchived", "true")
	}
	return q
}

func (e Endpoint) valid() bool {
	switch e {
	case EndpointClients, EndpointProjects, EndpointPeople, EndpointRoles, EndpointContracts,
		EndpointAssignments, EndpointActuals, EndpointProjectTags:
		return true
	}
	return false
}

func (e Endpoint) check() error {
	if !e.valid() {
		return fmt.Errorf("runn: %q is not a list endpoint this client knows (want one of %v)", string(e), Endpoints())
	}
	return nil
}
