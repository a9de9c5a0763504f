package runntest

import (
	"net/http"
	"slices"

	"github.com/harvest2runn/harvest2runn/runn"
)

// Runn's account default working day, used when POST /people/ gives no minutesPerDay.
const defaultMinutesPerDay = 480

func personMeta(p *runn.Person) recordMeta {
	return recordMeta{id: p.ID, created: p.CreatedAt, updated: p.UpdatedAt}
}

// personDetail is the single-person shape (schema Person): the list shape plus notes,
// skills and custom fields, which the fake does not model and answers empty.
type personDetail struct {
	*runn.Person
	Notes        []any          `json:"notes"`
	Skills       []any          `json:"skills"`
	CustomFields map[string]any `json:"customFields"`
}

func detailOf(p *runn.Person) personDetail {
	return personDetail{Person: p, Notes: []any{}, Skills: []any{}, CustomFields: emptyCustomFields()}
}

func listPeople(st *store, c *call) (int, any, *apiError) {
	externalID, byExternalID := c.query("externalId")
	email, byEmail := c.query("email")
	first, byFirst := c.query("firstName")
	last, byLast := c.query("lastName")
	return list(c, st.people, personMeta, func(p *runn.Person) bool {
		return (!byExternalID || hasExternalID(p.References, externalID)) &&
			(!byEmail || (p.Email != nil && containsFold(*p.Email, email))) &&
			(!byFirst || containsFold(p.FirstName, first)) &&
			(!byLast || containsFold(p.LastName, last))
	})
}

func getPerson(st *store, c *call) (int, any, *apiError) {
	p, ok := st.people.get(c.pathID("personId"))
	if !ok {
		return 0, nil, notFound("Person not found")
	}
	return http.StatusOK, detailOf(p), nil
}

type personInput struct {
	FirstName       string             `json:"firstName"`
	LastName        string             `json:"lastName"`
	Email           *string            `json:"email"`
	HolidaysGroupID *int64             `json:"holidaysGroupId"`
	Tags            []runn.Tag         `json:"tags"`
	References      []runn.Reference   `json:"references"`
	RoleID          int64              `json:"roleId"`
	StartDate       string             `json:"startDate"`
	EndDate         *string            `json:"endDate"`
	EmploymentType  string             `json:"employmentType"`
	CostPerHour     *float64           `json:"costPerHour"`
	MinutesPerDay   *float64           `json:"minutesPerDay"`
	RosteredDays    *runn.RosteredDays `json:"rosteredDays"`
	JobTitle        *string            `json:"jobTitle"`
}

// createPerson creates the person and, as Runn does, their first contract.
func createPerson(st *store, c *call) (int, any, *apiError) {
	var in personInput
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	role, ok := st.roles.get(in.RoleID)
	if !ok {
		return 0, nil, badRequest("Role with id %d not found.", in.RoleID)
	}
	if len(in.Tags) > 0 {
		// People tags are not modelled (harvest2runn never sets them), so none exists.
		return 0, nil, badRequest("Person tag with id %d not found.", in.Tags[0].ID)
	}
	contract, err := firstContract(in, role, c.today)
	if err != nil {
		return 0, nil, err
	}
	p := &runn.Person{
		ID:              st.newID(kindPerson),
		FirstName:       in.FirstName,
		LastName:        in.LastName,
		Email:           in.Email,
		References:      nonNil(in.References),
		Tags:            []runn.Tag{},
		HolidaysGroupID: in.HolidaysGroupID,
		Managers:        []map[string]any{},
		CreatedAt:       c.now,
		UpdatedAt:       c.now,
	}
	st.people.insert(p.ID, p)
	contract.ID = st.newID(kindContract)
	contract.PersonID = p.ID
	contract.CreatedAt, contract.UpdatedAt = c.now, c.now
	st.contracts.insert(contract.ID, contract)
	if !slices.Contains(role.PersonIDs, p.ID) {
		role.PersonIDs = append(role.PersonIDs, p.ID)
	}
	return http.StatusCreated, detailOf(p), nil
}

// firstContract applies Runn's defaults for the contract POST /people/ creates: start
// today, employee, the role's hourly cost, the account's minutes per day on Monday-Friday.
func firstContract(in personInput, role *runn.Role, today string) (*runn.Contract, *apiError) {
	mpd := float64(defaultMinutesPerDay)
	if in.MinutesPerDay != nil {
		mpd = *in.MinutesPerDay
	}
	days := runn.RosteredDays{Monday: mpd, Tuesday: mpd, Wednesday: mpd, Thursday: mpd, Friday: mpd}
	if in.RosteredDays != nil {
		days = *in.RosteredDays
		for _, d := range []struct {
			name    string
			minutes float64
		}{
			{"monday", days.Monday}, {"tuesday", days.Tuesday}, {"wednesday", days.Wednesday},
			{"thursday", days.Thursday}, {"friday", days.Friday},
		} {
			if d.minutes != mpd && d.minutes != 0 {
				return nil, badRequest("body/rosteredDays/%s: must be the same as minutesPerDay (%g) or 0, got %g", d.name, mpd, d.minutes)
			}
		}
	}
	start := today
	if in.StartDate != "" {
		start = in.StartDate
	}
	if in.EndDate != nil && *in.EndDate < start {
		return nil, badRequest("body/endDate: %s is before the contract's startDate %s", *in.EndDate, start)
	}
	cost := role.DefaultHourCost
	if in.CostPerHour != nil {
		cost = *in.CostPerHour
	}
	employment := "employee"
	if in.EmploymentType != "" {
		employment = in.EmploymentType
	}
	return &runn.Contract{
		RoleID:         role.ID,
		StartDate:      start,
		EndDate:        in.EndDate,
		EmploymentType: employment,
		CostPerHour:    &cost,
		MinutesPerDay:  &mpd,
		RosteredDays:   days,
		JobTitle:       in.JobTitle,
	}, nil
}
