package harvesttest

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func sinceQuery(t time.Time) string {
	return "updated_since=" + url.QueryEscape(t.Format(time.RFC3339))
}

func listEntries(t *testing.T, s *Server, query string) []harvest.TimeEntry {
	t.Helper()
	var entries []harvest.TimeEntry
	if err := json.Unmarshal(jsonField(t, get(t, s, "/v2/time_entries?"+query), "time_entries"), &entries); err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestTimeEntryChanges(t *testing.T) {
	acct := smallAccount()
	start := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	s := newTestServer(t, acct, Options{Now: clock.Now})
	before := start.Add(-time.Second)
	if got := listEntries(t, s, sinceQuery(before)); len(got) != 0 {
		t.Fatalf("%d entries updated since %v before any change", len(got), before)
	}

	// Add: a new id, stamped with the clock, listed in its place.
	clock.Advance(90 * time.Second)
	tmpl := acct.TimeEntries[10]
	tmpl.ID, tmpl.CreatedAt, tmpl.Hours = 0, time.Time{}, "0.172222"
	added := s.AddTimeEntry(tmpl)
	if added.ID <= acct.TimeEntries[len(acct.TimeEntries)-1].ID || !added.UpdatedAt.Equal(start.Add(90*time.Second)) || !added.CreatedAt.Equal(added.UpdatedAt) {
		t.Fatalf("added entry: id %d, created %v, updated %v", added.ID, added.CreatedAt, added.UpdatedAt)
	}
	got := listEntries(t, s, sinceQuery(before))
	if len(got) != 1 || got[0].ID != added.ID || got[0].Hours != "0.172222" {
		t.Fatalf("updated_since after add: %+v", got)
	}
	if !slices.ContainsFunc(listEntries(t, s, "from="+tmpl.SpentDate+"&to="+tmpl.SpentDate), func(e harvest.TimeEntry) bool { return e.ID == added.ID }) {
		t.Error("the added entry is missing from its day")
	}

	// Update: fn sees the entry, the id cannot change, updated_at moves, the date moves it.
	clock.Advance(time.Hour)
	target := acct.TimeEntries[20]
	newDate := acct.TimeEntries[400].SpentDate
	err := s.UpdateTimeEntry(target.ID, func(e *harvest.TimeEntry) {
		if e.ID != target.ID {
			t.Errorf("fn got entry %d, want %d", e.ID, target.ID)
		}
		e.ID = 1 // ignored
		e.SpentDate = newDate
		e.Hours = "2.5"
		if e.Notes != nil {
			*e.Notes = "edited" // must not leak into other entries sharing the note
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	got = listEntries(t, s, sinceQuery(start.Add(90*time.Second)))
	if len(got) != 1 || got[0].ID != target.ID || got[0].SpentDate != newDate || got[0].Hours != "2.5" || !got[0].UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("updated_since after update: %+v", got)
	}
	for _, e := range s.Account().TimeEntries {
		if e.ID != target.ID && e.Notes != nil && *e.Notes == "edited" {
			t.Fatalf("editing entry %d changed the notes of entry %d", target.ID, e.ID)
		}
	}
	onDay := listEntries(t, s, "from="+newDate+"&to="+newDate)
	if !slices.ContainsFunc(onDay, func(e harvest.TimeEntry) bool { return e.ID == target.ID }) {
		t.Error("the moved entry is missing from its new day")
	}

	// Delete: gone from every listing; a second delete is ErrNotFound.
	if err := s.DeleteTimeEntry(target.ID); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(listEntries(t, s, ""), func(e harvest.TimeEntry) bool { return e.ID == target.ID }) {
		t.Error("the deleted entry is still listed")
	}
	if got := listEntries(t, s, sinceQuery(before)); len(got) != 1 || got[0].ID != added.ID {
		t.Errorf("updated_since after delete lists %d entries, want only the added one", len(got))
	}
	status, _, _ := fetch(t, httpClient(), s.URL()+"/v2/time_entries/"+itoa(target.ID), goodHeaders())
	if status != 404 {
		t.Errorf("GET deleted entry: status %d, want 404", status)
	}
	if err := s.DeleteTimeEntry(target.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if err := s.UpdateTimeEntry(target.ID, func(*harvest.TimeEntry) {}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a deleted entry: %v, want ErrNotFound", err)
	}
	if err := s.UpdateTimeEntry(added.ID, func(e *harvest.TimeEntry) { e.Hours = "two" }); err == nil {
		t.Error("an update to an invalid number was accepted")
	}
}

func TestRecordChanges(t *testing.T) {
	acct := smallAccount()
	start := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	s := newTestServer(t, acct, Options{Now: clock.Now})
	idsSince := func(key string) []int64 {
		return recordIDs(t, decodePage(t, key, get(t, s, "/v2/"+key+"?"+sinceQuery(start))).Records)
	}
	clock.Advance(time.Second)

	u := s.AddUser(harvest.User{FirstName: "Ada", LastName: "Lovelace", Roles: []string{"Developer"}, IsActive: true})
	if err := s.UpdateUser(acct.Users[2].ID, func(u *harvest.User) { u.IsActive = false; u.Roles[0] = "QA" }); err != nil {
		t.Fatal(err)
	}
	if got := idsSince("users"); !slices.Equal(got, []int64{u.ID, acct.Users[2].ID}) {
		t.Errorf("users updated since: %v, want the new user then the updated one", got)
	}
	if acct.Users[2].Roles[0] == "QA" || !acct.Users[2].IsActive {
		t.Error("an update changed the caller's account")
	}

	p := s.AddProject(harvest.Project{Name: "New Site", Client: acct.Projects[0].Client, IsActive: true, BillBy: "none", BudgetBy: "none"})
	if err := s.UpdateProject(acct.Projects[3].ID, func(p *harvest.Project) { p.Name = "Renamed" }); err != nil {
		t.Fatal(err)
	}
	if got := idsSince("projects"); !slices.Equal(got, []int64{p.ID, acct.Projects[3].ID}) {
		t.Errorf("projects updated since: %v", got)
	}
	c := s.AddClient(harvest.Client{Name: "Newco", Currency: "EUR", IsActive: true})
	r := s.AddRole(harvest.Role{Name: "Architect", UserIDs: []int64{u.ID}})
	k := s.AddTask(harvest.Task{Name: "Pairing", IsActive: true})
	a := s.AddUserAssignment(harvest.UserAssignment{Project: harvest.ProjectRef{ID: p.ID, Name: p.Name}, User: harvest.IDName{ID: u.ID, Name: "Ada Lovelace"}, IsActive: true})
	for key, id := range map[string]int64{"clients": c.ID, "roles": r.ID, "tasks": k.ID, "user_assignments": a.ID} {
		if got := idsSince(key); !slices.Equal(got, []int64{id}) {
			t.Errorf("%s updated since: %v, want [%d]", key, got, id)
		}
	}
	for _, err := range []error{
		s.UpdateClient(c.ID, func(c *harvest.Client) { c.IsActive = false }),
		s.UpdateRole(r.ID, func(r *harvest.Role) { r.Name = "Lead Architect" }),
		s.UpdateTask(k.ID, func(k *harvest.Task) { k.IsActive = false }),
		s.UpdateUserAssignment(a.ID, func(a *harvest.UserAssignment) { a.IsActive = false }),
	} {
		if err != nil {
			t.Error(err)
		}
	}
	if archived := recordIDs(t, decodePage(t, "clients", get(t, s, "/v2/clients?is_active=false")).Records); !slices.Contains(archived, c.ID) {
		t.Error("the archived client is not listed as archived")
	}
	if err := s.UpdateUser(1, func(*harvest.User) {}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an unknown user: %v, want ErrNotFound", err)
	}
	if err := s.UpdateProject(p.ID, func(p *harvest.Project) { p.Budget = ptr(json.Number("lots")) }); err == nil {
		t.Error("an update to an invalid number was accepted")
	}
}

func TestAccountIsACopy(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	a := s.Account()
	if len(a.Users) != len(acct.Users) || len(a.TimeEntries) != len(acct.TimeEntries) || len(a.UserAssignments) != len(acct.UserAssignments) {
		t.Fatal("Account does not hold the whole account")
	}
	a.Users[0].Roles = append(a.Users[0].Roles, "Hacker")
	a.Users[0].FirstName = "Mallory"
	if a.TimeEntries[0].Notes != nil {
		*a.TimeEntries[0].Notes = "changed"
	}
	if diff := gocmp.Diff(listingOrder(acct, "users"), listingOrder(s.Account(), "users")); diff != "" {
		t.Error(diff)
	}
	b := s.Account()
	if b.Users[0].FirstName == "Mallory" || slices.Contains(b.Users[0].Roles, "Hacker") {
		t.Error("changing Account's result changed the server")
	}
	if b.TimeEntries[0].Notes != nil && *b.TimeEntries[0].Notes == "changed" {
		t.Error("changing Account's time entry changed the server")
	}
}

func TestAddRefusesTakenIDs(t *testing.T) {
	acct := smallAccount()
	s := newTestServer(t, acct, Options{})
	for name, add := range map[string]func(){
		"time entry": func() { s.AddTimeEntry(acct.TimeEntries[0]) },
		"user":       func() { s.AddUser(acct.Users[0]) },
		"bad date":   func() { e := acct.TimeEntries[0]; e.ID, e.SpentDate = 0, "1st May"; s.AddTimeEntry(e) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			add()
		}()
	}
}
