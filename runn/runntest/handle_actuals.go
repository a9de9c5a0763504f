package runntest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/harvest2runn/harvest2runn/runn"
)

func actualMeta(a *runn.Actual) recordMeta {
	return recordMeta{id: a.ID, created: a.CreatedAt, updated: a.UpdatedAt}
}

func listActuals(st *store, c *call) (int, any, *apiError) {
	minDate, byMin := c.query("minDate")
	maxDate, byMax := c.query("maxDate")
	personID, byPerson := c.queryInt("personId")
	projectID, byProject := c.queryInt("projectId")
	roleID, byRole := c.queryInt("roleId")
	workstreamID, byWorkstream := c.queryInt("workstreamId")
	return list(c, st.actuals, actualMeta, func(a *runn.Actual) bool {
		return (!byMin || a.Date >= minDate) &&
			(!byMax || a.Date <= maxDate) &&
			(!byPerson || a.PersonID == personID) &&
			(!byProject || a.ProjectID == projectID) &&
			(!byRole || a.RoleID == roleID) &&
			(!byWorkstream || (a.WorkstreamID != nil && *a.WorkstreamID == workstreamID))
	})
}

// optional tells a field left out (keep what is stored) from one sent as null (clear it).
type optional[T any] struct {
	set   bool
	value *T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.value = &v
	return nil
}

type actualInput struct {
	Date               string            `json:"date"`
	BillableMinutes    float64           `json:"billableMinutes"`
	NonbillableMinutes float64           `json:"nonbillableMinutes"`
	BillableNote       optional[string]  `json:"billableNote"`
	NonbillableNote    optional[string]  `json:"nonbillableNote"`
	PhaseID            optional[float64] `json:"phaseId"`
	PersonID           float64           `json:"personId"`
	ProjectID          float64           `json:"projectId"`
	RoleID             float64           `json:"roleId"`
	WorkstreamID       *float64          `json:"workstreamId"`
}

// checkedActual is an input that Runn would accept, with its ids as integers.
type checkedActual struct {
	in                    actualInput
	person, project, role int64
	phase, workstream     *int64
}

// checkActual applies the refusals Runn is known to make (runn-notes.md §1.5, §3.6), worded
// as Runn words them. An nb project refusing billable minutes is this fake's reading of the
// "non-billable project" message seen in practice; harvest2runn never sends them (R7).
func checkActual(st *store, in actualInput, today, field string) (checkedActual, *apiError) {
	ca := checkedActual{in: in}
	var err *apiError
	if ca.person, err = wholeID(field+"/personId", in.PersonID); err != nil {
		return ca, err
	}
	if ca.project, err = wholeID(field+"/projectId", in.ProjectID); err != nil {
		return ca, err
	}
	if ca.role, err = wholeID(field+"/roleId", in.RoleID); err != nil {
		return ca, err
	}
	if in.PhaseID.value != nil {
		id, err := wholeID(field+"/phaseId", *in.PhaseID.value)
		if err != nil {
			return ca, err
		}
		ca.phase = &id
	}
	if in.WorkstreamID != nil {
		id, err := wholeID(field+"/workstreamId", *in.WorkstreamID)
		if err != nil {
			return ca, err
		}
		ca.workstream = &id
	}
	project, ok := st.projects.get(ca.project)
	switch {
	case !ok:
		return ca, badRequest("Project with id %d not found.", ca.project)
	case !hasPerson(st, ca.person):
		return ca, badRequest("Person with id %d not found.", ca.person)
	case !hasRole(st, ca.role):
		return ca, badRequest("Role with id %d not found.", ca.role)
	case !project.IsConfirmed:
		return ca, badRequest("Actuals cannot be on a tentative project.")
	case in.Date > today:
		return ca, badRequest("Cannot create actual for future date %s.", in.Date)
	case project.PricingModel == "nb" && in.BillableMinutes > 0:
		return ca, badRequest("Cannot add billable minutes to a non-billable project.")
	}
	return ca, nil
}

func hasPerson(st *store, id int64) bool { _, ok := st.people.get(id); return ok }
func hasRole(st *store, id int64) bool   { _, ok := st.roles.get(id); return ok }

// upsertActual writes a checked input on its key: the minutes replace the stored ones and
// the id is kept. Notes and phase sent replace the stored ones; left out, they are kept.
func (st *store) upsertActual(ca checkedActual, c *call) runn.Actual {
	a := &runn.Actual{
		Date: ca.in.Date, PersonID: ca.person, ProjectID: ca.project, RoleID: ca.role, WorkstreamID: ca.workstream,
	}
	key := keyOfActual(a)
	if id, ok := st.actualByKey[key]; ok {
		a, _ = st.actuals.get(id)
	} else {
		a.ID = st.newID(kindActual)
		a.CreatedAt = c.now
		st.actuals.insert(a.ID, a)
		st.actualByKey[key] = a.ID
	}
	a.BillableMinutes = ca.in.BillableMinutes
	a.NonbillableMinutes = ca.in.NonbillableMinutes
	if ca.in.BillableNote.set {
		a.BillableNote = ca.in.BillableNote.value
	}
	if ca.in.NonbillableNote.set {
		a.NonbillableNote = ca.in.NonbillableNote.value
	}
	if ca.in.PhaseID.set {
		a.PhaseID = ca.phase
	}
	a.UpdatedAt = c.now
	return *a
}

func createActual(st *store, c *call) (int, any, *apiError) {
	var in actualInput
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	ca, err := checkActual(st, in, c.today, "body")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, st.upsertActual(ca, c), nil
}

// createActualsBulk is all or nothing: when any item is refused, the answer is 400 naming
// every refused item and nothing is written. (Runn's own behaviour is not documented; one
// production client saw a single 400 listing each bad item. All-or-nothing is the stricter
// reading: a loader that survives it survives partial application too, which the
// PartialBulk fault covers.) Items on the same key are applied in order, the last winning.
func createActualsBulk(st *store, c *call) (int, any, *apiError) {
	var in struct {
		Actuals []actualInput `json:"actuals"`
	}
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	checked := make([]checkedActual, 0, len(in.Actuals))
	var refused []string
	for i, item := range in.Actuals {
		field := fmt.Sprintf("body/actuals/%d", i)
		ca, err := checkActual(st, item, c.today, field)
		if err != nil {
			msg := err.message
			if !strings.HasPrefix(msg, field) {
				msg = field + ": " + msg
			}
			refused = append(refused, msg)
			continue
		}
		checked = append(checked, ca)
	}
	if len(refused) > 0 {
		return 0, nil, badRequest("%d of %d actuals refused, none written: %s", len(refused), len(in.Actuals), strings.Join(refused, "; "))
	}
	if c.applyItems >= 0 && c.applyItems < len(checked) {
		checked = checked[:c.applyItems]
	}
	out := make([]runn.Actual, 0, len(checked))
	for _, ca := range checked {
		out = append(out, st.upsertActual(ca, c))
	}
	return http.StatusOK, out, nil
}
