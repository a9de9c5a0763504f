package load

import (
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// The fixed scenario of the end-to-end tests: a Runn account with a few records carrying Harvest
// references, and a plan that creates 2 roles, 2 clients, 3 projects and 3 people and writes 250
// actuals, zeros included, many of them on records created in the same run (NULL Runn ids).
// Uninterrupted, it takes 17 requests: one read of each kind before its creates (R17), 10
// creates and 3 bulk calls (100 + 100 + 50).

const scenarioRequests = 17

func scenarioSeed() *runntest.State {
	rostered := runn.RosteredDays{Monday: 480, Tuesday: 480, Wednesday: 480, Thursday: 480, Friday: 480}
	s := &runntest.State{
		Roles: []runn.Role{
			{ID: 21801, Name: testkit.Ptr("Designer"), References: harvestRef(501)},
			{ID: 21802, Name: testkit.Ptr("Developer")},
		},
		Clients: []runn.Client{{ID: 73001, Name: "Acme", References: harvestRef(11)}},
		Projects: []runn.Project{
			{ID: 402001, Name: "Acme Web", ClientID: 73001, IsConfirmed: true, PricingModel: "tm", References: harvestRef(101)},
			{ID: 402002, Name: "Acme Pitch", ClientID: 73001, IsConfirmed: false, PricingModel: "tm", References: harvestRef(102)},
		},
		People: []runn.Person{
			{ID: 880001, FirstName: "Ann", LastName: "Archer", References: harvestRef(1001)},
			{ID: 880002, FirstName: "Bob", LastName: "Baker", References: harvestRef(1002)},
		},
		Contracts: []runn.Contract{
			{ID: 1290001, PersonID: 880001, RoleID: 21801, StartDate: "2024-01-01", MinutesPerDay: testkit.Ptr(480.0), RosteredDays: rostered},
			{ID: 1290002, PersonID: 880002, RoleID: 21802, StartDate: "2024-01-01", MinutesPerDay: testkit.Ptr(480.0), RosteredDays: rostered},
		},
	}
	// What people typed into Runn by hand before the run: the run overwrites some (R10).
	for i, d := range []string{"2025-05-05", "2025-05-06", "2025-05-07", "2025-05-08", "2025-05-09"} {
		s.Actuals = append(s.Actuals, runn.Actual{ID: int64(5583001 + i), Date: d, PersonID: 880001, ProjectID: 402001, RoleID: 21801,
			BillableMinutes: 240, NonbillableMinutes: float64(15 * i)})
	}
	s.Actuals = append(s.Actuals, runn.Actual{ID: 5583010, Date: "2025-06-02", PersonID: 880002, ProjectID: 402001, RoleID: 21802,
		BillableMinutes: 60, NonbillableMinutes: 30})
	return s
}

func scenarioPlan() Plan {
	p := Plan{
		Roles: []RoleChange{
			{RoleKey: "qa engineer", Name: "QA Engineer", HarvestRoleID: testkit.Ptr[int64](503), Rule: "R6", Reason: "needed by Harvest user 2001"},
			{RoleKey: "unknown", Name: "Unknown", Rule: "R6", Reason: "Runn has no role named Unknown"},
		},
		Clients: []ClientChange{
			{HarvestClientID: 12, Name: "Globex", Rule: "R2 R3", Reason: "no Runn client with its reference"},
			{HarvestClientID: 13, Name: "Initech", Rule: "R2 R3", Reason: "no Runn client with its reference"},
		},
		Projects: []ProjectChange{
			{HarvestProjectID: 201, Name: "Globex Portal", HarvestClientID: testkit.Ptr[int64](12), PricingModel: "tm", Budget: testkit.Ptr(10000.0), Rule: "R2 R4"},
			{HarvestProjectID: 202, Name: "Acme Mobile", HarvestClientID: testkit.Ptr[int64](11), RunnClientID: testkit.Ptr[int64](73001), PricingModel: "fp", Rule: "R2 R4"},
			{HarvestProjectID: 203, Name: "Initech Internal", HarvestClientID: testkit.Ptr[int64](13), PricingModel: "nb", Rule: "R2 R4"},
		},
		People: []PersonChange{
			{HarvestUserID: 2001, FirstName: "Cid", LastName: "Cole", Email: testkit.Ptr("cid@example.com"), RoleKey: testkit.Ptr("qa engineer"),
				CostPerHour: testkit.Ptr(55.5), EmploymentType: testkit.Ptr("contractor"), StartDate: testkit.Ptr("2025-01-06"), Rule: "R2 R5 R6"},
			{HarvestUserID: 2002, FirstName: "Dee", LastName: "Dunn", RoleKey: testkit.Ptr("unknown"), EmploymentType: testkit.Ptr("employee"),
				StartDate: testkit.Ptr("2025-02-03"), Rule: "R2 R5 R6"},
			{HarvestUserID: 2003, FirstName: "Eve", LastName: "Evans", Email: testkit.Ptr("eve@example.com"), RoleKey: testkit.Ptr("designer"),
				RunnRoleID: testkit.Ptr[int64](21801), CostPerHour: testkit.Ptr(0.0), EmploymentType: testkit.Ptr("employee"), StartDate: testkit.Ptr("2025-03-03"), Rule: "R2 R5 R6"},
		},
	}
	start, _ := time.Parse(time.DateOnly, "2025-05-01")
	for i := range 50 {
		d := start.AddDate(0, 0, i).Format(time.DateOnly)
		billable, nonbillable := int64(i*37%480), int64(i*11%60)
		if i%7 == 0 {
			billable, nonbillable = 0, 0
		}
		p.Actuals = append(p.Actuals,
			// On records Runn had: overwrites what people typed (R10).
			ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](880001), RunnProjectID: testkit.Ptr[int64](402001), RunnRoleID: testkit.Ptr[int64](21801),
				BillableMinutes: billable, NonbillableMinutes: nonbillable, Rule: "R10"},
			// Person, project and role all created this run.
			ActualChange{Date: d, HarvestUserID: testkit.Ptr[int64](2001), HarvestProjectID: testkit.Ptr[int64](201), RoleKey: testkit.Ptr("qa engineer"),
				BillableMinutes: nonbillable, NonbillableMinutes: billable, Rule: "R10"},
			// Person and project created this run, role existing.
			ActualChange{Date: d, HarvestUserID: testkit.Ptr[int64](2003), HarvestProjectID: testkit.Ptr[int64](202), RunnRoleID: testkit.Ptr[int64](21801),
				BillableMinutes: billable / 2, Rule: "R10"},
			// An nb project created this run: everything non-billable (R7).
			ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](880002), HarvestProjectID: testkit.Ptr[int64](203), RunnRoleID: testkit.Ptr[int64](21802),
				NonbillableMinutes: billable, Rule: "R10"},
			// Zeros: deleted time (R11).
			ActualChange{Date: d, RunnPersonID: testkit.Ptr[int64](880002), RunnProjectID: testkit.Ptr[int64](402001), RunnRoleID: testkit.Ptr[int64](21802),
				Rule: "R11"},
		)
	}
	return p
}

// resolvedActuals are the plan's actuals on records Runn had before the run.
func resolvedActuals(p Plan) []ActualChange {
	var out []ActualChange
	for _, a := range p.Actuals {
		if a.RunnPersonID != nil && a.RunnProjectID != nil && a.RunnRoleID != nil {
			out = append(out, a)
		}
	}
	return out
}
