package harvesttest

import (
	"cmp"
	"net/url"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// byCreation lists the ids of the records keep selects, in the order cursor listings use:
// newest created first, then highest id.
func byCreation[T any](recs []T, meta func(*T) (int64, time.Time), keep func(*T) bool) []int64 {
	type item struct {
		id      int64
		created time.Time
	}
	var items []item
	for i := range recs {
		if keep(&recs[i]) {
			id, created := meta(&recs[i])
			items = append(items, item{id, created})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := []int64{}
	for _, it := range items {
		ids = append(ids, it.id)
	}
	return ids
}

// byDate lists the ids of the entries keep selects, newest spent_date first, then highest id.
func byDate(entries []harvest.TimeEntry, keep func(*harvest.TimeEntry) bool) []int64 {
	var sel []*harvest.TimeEntry
	for i := range entries {
		if keep(&entries[i]) {
			sel = append(sel, &entries[i])
		}
	}
	slices.SortFunc(sel, entryOrder)
	ids := []int64{}
	for _, e := range sel {
		ids = append(ids, e.ID)
	}
	return ids
}

// median returns the middle value of ts, which is itself some record's timestamp: the
// updated_since tests then cover a record updated exactly at the bound.
func median(ts []time.Time) time.Time {
	s := slices.SortedFunc(slices.Values(ts), time.Time.Compare)
	return s[len(s)/2]
}

func TestFilters(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	rfc := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }

	userMeta := func(u *harvest.User) (int64, time.Time) { return u.ID, u.CreatedAt }
	clientMeta := func(c *harvest.Client) (int64, time.Time) { return c.ID, c.CreatedAt }
	projectMeta := func(p *harvest.Project) (int64, time.Time) { return p.ID, p.CreatedAt }
	taskMeta := func(x *harvest.Task) (int64, time.Time) { return x.ID, x.CreatedAt }
	roleMeta := func(r *harvest.Role) (int64, time.Time) { return r.ID, r.CreatedAt }
	uaMeta := func(a *harvest.UserAssignment) (int64, time.Time) { return a.ID, a.CreatedAt }

	var userSince, projectSince, uaSince, entrySince, roleSince, clientSince, taskSince []time.Time
	for _, u := range acct.Users {
		userSince = append(userSince, u.UpdatedAt)
	}
	for _, p := range acct.Projects {
		projectSince = append(projectSince, p.UpdatedAt)
	}
	for _, a := range acct.UserAssignments {
		uaSince = append(uaSince, a.UpdatedAt)
	}
	for _, e := range acct.TimeEntries {
		entrySince = append(entrySince, e.UpdatedAt)
	}
	for _, r := range acct.Roles {
		roleSince = append(roleSince, r.UpdatedAt)
	}
	for _, c := range acct.Clients {
		clientSince = append(clientSince, c.UpdatedAt)
	}
	for _, x := range acct.Tasks {
		taskSince = append(taskSince, x.UpdatedAt)
	}
	uSince, pSince, aSince, eSince := median(userSince), median(projectSince), median(uaSince), median(entrySince)
	rSince, cSince, tSince := median(roleSince), median(clientSince), median(taskSince)

	client := acct.Projects[0].Client.ID
	user := acct.UserAssignments[0].User.ID
	entry := acct.TimeEntries[len(acct.TimeEntries)/2]
	from, to := acct.TimeEntries[100].SpentDate, acct.TimeEntries[300].SpentDate
	var extRef string
	for _, e := range acct.TimeEntries {
		if e.ExternalReference != nil {
			extRef = e.ExternalReference.ID
			break
		}
	}

	tests := []struct {
		name, key, query string
		want             []int64
	}{
		{"users, all", "users", "", byCreation(acct.Users, userMeta, func(*harvest.User) bool { return true })},
		{"users, active", "users", "is_active=true", byCreation(acct.Users, userMeta, func(u *harvest.User) bool { return u.IsActive })},
		{"users, archived", "users", "is_active=false", byCreation(acct.Users, userMeta, func(u *harvest.User) bool { return !u.IsActive })},
		{"users, updated since", "users", "updated_since=" + rfc(uSince), byCreation(acct.Users, userMeta, func(u *harvest.User) bool { return u.UpdatedAt.After(uSince) })},
		{"roles, updated since", "roles", "updated_since=" + rfc(rSince), byCreation(acct.Roles, roleMeta, func(r *harvest.Role) bool { return r.UpdatedAt.After(rSince) })},
		{"clients, archived", "clients", "is_active=false", byCreation(acct.Clients, clientMeta, func(c *harvest.Client) bool { return !c.IsActive })},
		{"clients, updated since", "clients", "updated_since=" + rfc(cSince), byCreation(acct.Clients, clientMeta, func(c *harvest.Client) bool { return c.UpdatedAt.After(cSince) })},
		{"projects, active", "projects", "is_active=true", byCreation(acct.Projects, projectMeta, func(p *harvest.Project) bool { return p.IsActive })},
		{"projects, of a client", "projects", "client_id=" + itoa(client), byCreation(acct.Projects, projectMeta, func(p *harvest.Project) bool { return p.Client != nil && p.Client.ID == client })},
		{"projects, active of a client", "projects", "client_id=" + itoa(client) + "&is_active=true", byCreation(acct.Projects, projectMeta, func(p *harvest.Project) bool { return p.IsActive && p.Client != nil && p.Client.ID == client })},
		{"projects, updated since", "projects", "updated_since=" + rfc(pSince), byCreation(acct.Projects, projectMeta, func(p *harvest.Project) bool { return p.UpdatedAt.After(pSince) })},
		{"tasks, archived", "tasks", "is_active=false", byCreation(acct.Tasks, taskMeta, func(x *harvest.Task) bool { return !x.IsActive })},
		{"tasks, updated since", "tasks", "updated_since=" + rfc(tSince), byCreation(acct.Tasks, taskMeta, func(x *harvest.Task) bool { return x.UpdatedAt.After(tSince) })},
		{"assignments, of a user", "user_assignments", "user_id=" + itoa(user), byCreation(acct.UserAssignments, uaMeta, func(a *harvest.UserAssignment) bool { return a.User.ID == user })},
		{"assignments, archived", "user_assignments", "is_active=false", byCreation(acct.UserAssignments, uaMeta, func(a *harvest.UserAssignment) bool { return !a.IsActive })},
		{"assignments, updated since", "user_assignments", "updated_since=" + rfc(aSince), byCreation(acct.UserAssignments, uaMeta, func(a *harvest.UserAssignment) bool { return a.UpdatedAt.After(aSince) })},

		{"entries, all", "time_entries", "", byDate(acct.TimeEntries, func(*harvest.TimeEntry) bool { return true })},
		{"entries, from and to inclusive", "time_entries", "from=" + from + "&to=" + to, byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.SpentDate >= from && e.SpentDate <= to })},
		{"entries, from", "time_entries", "from=" + to, byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.SpentDate >= to })},
		{"entries, to", "time_entries", "to=" + from, byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.SpentDate <= from })},
		{"entries, one day", "time_entries", "from=" + from + "&to=" + from, byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.SpentDate == from })},
		{"entries, from after to", "time_entries", "from=" + to + "&to=" + from, []int64{}},
		{"entries, user", "time_entries", "user_id=" + itoa(entry.User.ID), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.User.ID == entry.User.ID })},
		{"entries, project", "time_entries", "project_id=" + itoa(entry.Project.ID), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.Project.ID == entry.Project.ID })},
		{"entries, client", "time_entries", "client_id=" + itoa(entry.Client.ID), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.Client.ID == entry.Client.ID })},
		{"entries, task", "time_entries", "task_id=" + itoa(entry.Task.ID), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.Task.ID == entry.Task.ID })},
		{"entries, running", "time_entries", "is_running=true", byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.IsRunning })},
		{"entries, stopped", "time_entries", "is_running=false", byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return !e.IsRunning })},
		{"entries, billed", "time_entries", "is_billed=true", byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.IsBilled })},
		{"entries, unbilled", "time_entries", "is_billed=false", byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return !e.IsBilled })},
		{"entries, external reference", "time_entries", "external_reference_id=" + url.QueryEscape(extRef), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.ExternalReference != nil && e.ExternalReference.ID == extRef })},
		{"entries, updated since", "time_entries", "updated_since=" + rfc(eSince), byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool { return e.UpdatedAt.After(eSince) })},
		{"entries, combined", "time_entries", "from=" + from + "&to=" + to + "&user_id=" + itoa(entry.User.ID) + "&is_billed=false",
			byDate(acct.TimeEntries, func(e *harvest.TimeEntry) bool {
				return e.SpentDate >= from && e.SpentDate <= to && e.User.ID == entry.User.ID && !e.IsBilled
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "entries, from after to" && len(tt.want) == 0 {
				t.Fatal("the test account has no record for this filter; the test would prove nothing")
			}
			// A small page size makes the filter work across pages: the links must carry it.
			got, pages := walk(t, s, tt.key, "/v2/"+tt.key+"?per_page=7&"+tt.query, nil)
			if diff := gocmp.Diff(tt.want, append([]int64{}, got...)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if pages[0].TotalEntries != len(tt.want) {
				t.Errorf("total_entries %d, want %d", pages[0].TotalEntries, len(tt.want))
			}
		})
	}
}

func TestUpdatedSinceIsExclusive(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	u := acct.Users[5]
	for _, tt := range []struct {
		since time.Time
		want  bool
	}{
		{u.UpdatedAt.Add(-time.Second), true},
		{u.UpdatedAt, false},
		{u.UpdatedAt.Add(time.Second), false},
	} {
		q := "/v2/users?per_page=2000&updated_since=" + url.QueryEscape(tt.since.Format(time.RFC3339))
		ids := recordIDs(t, decodePage(t, "users", get(t, s, q)).Records)
		if got := slices.Contains(ids, u.ID); got != tt.want {
			t.Errorf("updated_at %v, updated_since %v: listed=%v, want %v", u.UpdatedAt, tt.since, got, tt.want)
		}
	}
}
