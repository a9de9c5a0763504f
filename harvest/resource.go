package harvest

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Resource is a listing's path under /v2/, such as "users" or "users/42/cost_rates". The last
// path segment is also the key that holds the records in each page.
type Resource string

// The listings harvest2runn extracts.
const (
	Users           Resource = "users"
	Roles           Resource = "roles"
	Clients         Resource = "clients"
	Projects        Resource = "projects"
	Tasks           Resource = "tasks"
	UserAssignments Resource = "user_assignments"
	TimeEntries     Resource = "time_entries"
)

// recordsKey is the envelope key under which a page of res carries its records.
func (res Resource) recordsKey() string { return path.Base(string(res)) }

func (res Resource) validate() error {
	s := string(res)
	if s == "" || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.ContainsAny(s, "?#% \t\r\n") {
		return fmt.Errorf("harvest: %q is not a listing path (want e.g. %q)", s, TimeEntries)
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("harvest: %q is not a listing path (want e.g. %q)", s, TimeEntries)
		}
	}
	return nil
}

// TimeEntryWindow is the query for time entries whose spent_date lies in [from, to], both
// inclusive, as YYYY-MM-DD dates. An empty from means no lower bound.
func TimeEntryWindow(from, to string) url.Values {
	q := url.Values{}
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
	return q
}
