package runn

import "time"

// Spec-shaped records (values from runn-notes.md §5; every field the spec requires is present).
// spec_test.go checks they validate against the spec, and that the client decodes them into the
// want* values below.
const (
	clientJSON = `{"id":73015,"name":"Halvorsen Marine AS","website":"https://halvorsen-marine.example","isArchived":false,
		"references":[{"referenceName":"Harvest","externalId":"11873302"}],
		"createdAt":"2025-03-04T09:12:44.120Z","updatedAt":"2025-06-18T14:02:07.551Z"}`
	projectJSON = `{"id":402288,"name":"Harbour Terminal BIM Rollout","clientId":73015,"isTemplate":false,"isArchived":false,
		"isConfirmed":true,"pricingModel":"fp","rateType":"hours","teamId":null,"budget":185000,"expensesBudget":12000,
		"rateCardId":15501,"references":[{"referenceName":"Harvest","externalId":"40119877"}],
		"tags":[{"id":9031,"name":"Infrastructure"}],"managerIds":[6120],
		"customFields":{"select":[],"text":[],"checkbox":[],"date":[]},
		"createdAt":"2025-05-02T10:30:00.000Z","updatedAt":"2025-07-11T16:45:21.874Z"}`
	personJSON = `{"id":880451,"firstName":"Ingrid","lastName":"Nakamura","email":"ingrid.nakamura@example.com",
		"isArchived":false,"teamId":3302,"references":[{"referenceName":"Harvest","externalId":"4410982"}],
		"tags":[{"id":5117,"name":"Oslo"}],"holidaysGroupId":214,"managers":[{"id":6120}],
		"createdAt":"2025-01-15T08:00:00.000Z","updatedAt":"2025-06-30T12:10:09.442Z"}`
	// personFullJSON is the Person schema POST /people/ answers with (notes, skills, customFields).
	personFullJSON = `{"id":880451,"firstName":"Ingrid","lastName":"Nakamura","email":"ingrid.nakamura@example.com",
		"isArchived":false,"teamId":3302,"references":[{"referenceName":"Harvest","externalId":"4410982"}],
		"tags":[{"id":5117,"name":"Oslo"}],"holidaysGroupId":214,"managers":[{"id":6120}],
		"notes":[],"skills":[],"customFields":{"select":[],"text":[],"checkbox":[],"date":[]},
		"createdAt":"2025-01-15T08:00:00.000Z","updatedAt":"2025-06-30T12:10:09.442Z"}`
	roleJSON = `{"id":21877,"name":"Senior Structural Engineer","isArchived":false,"defaultHourCost":68.5,"standardRate":155,
		"references":[{"referenceName":"Harvest","externalId":"5512"}],"personIds":[880451,880467],
		"createdAt":"2024-11-02T11:20:00.000Z","updatedAt":"2025-02-01T09:00:00.000Z"}`
	contractJSON = `{"id":1290034,"personId":880451,"roleId":21877,"startDate":"2025-01-15","endDate":null,
		"employmentType":"employee","costPerHour":68.5,"minutesPerDay":450,
		"rosteredDays":{"monday":450,"tuesday":450,"wednesday":450,"thursday":450,"friday":0},
		"jobTitle":"Senior Structural Engineer",
		"createdAt":"2025-01-15T08:00:00.000Z","updatedAt":"2025-01-15T08:00:00.000Z"}`
	assignmentJSON = `{"id":7712290,"personId":880451,"projectId":402288,"roleId":21877,"startDate":"2025-07-07",
		"endDate":"2025-08-29","minutesPerDay":360,"isActive":true,"note":null,"isBillable":true,"phaseId":66120,
		"isNonWorkingDay":false,"isTemplate":false,"isPlaceholder":false,"workstreamId":null,
		"createdAt":"2025-06-20T13:00:00.000Z","updatedAt":"2025-06-20T13:00:00.000Z"}`
	actualJSON = `{"id":55830172,"date":"2025-07-09","billableMinutes":375,"nonbillableMinutes":45,
		"billableNote":"Clash detection, level 3","nonbillableNote":null,"phaseId":null,"personId":880451,
		"projectId":402288,"roleId":21877,"workstreamId":null,
		"createdAt":"2025-07-10T02:15:33.901Z","updatedAt":"2025-07-10T02:15:33.901Z"}`
	projectTagJSON = `{"id":9031,"name":"sync_off","projectIds":[402288],"archived":false,
		"createdAt":"2025-02-01T09:00:00.000Z","updatedAt":"2025-02-01T09:00:00.000Z"}`
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func harvestRef(id string) []Reference {
	return []Reference{{ReferenceName: "Harvest", ExternalID: id}}
}

func wantClient() Client {
	return Client{ID: 73015, Name: "Halvorsen Marine AS", Website: ptr("https://halvorsen-marine.example"),
		References: harvestRef("11873302"),
		CreatedAt:  ts("2025-03-04T09:12:44.120Z"), UpdatedAt: ts("2025-06-18T14:02:07.551Z")}
}

func wantProject() Project {
	return Project{ID: 402288, Name: "Harbour Terminal BIM Rollout", ClientID: 73015, IsConfirmed: true,
		PricingModel: "fp", RateType: "hours", Budget: ptr(185000.0), ExpensesBudget: ptr(12000.0), RateCardID: 15501,
		References: harvestRef("40119877"), Tags: []Tag{{ID: 9031, Name: "Infrastructure"}}, ManagerIDs: []int64{6120},
		CustomFields: map[string]any{"select": []any{}, "text": []any{}, "checkbox": []any{}, "date": []any{}},
		CreatedAt:    ts("2025-05-02T10:30:00.000Z"), UpdatedAt: ts("2025-07-11T16:45:21.874Z")}
}

func wantPerson() Person {
	return Person{ID: 880451, FirstName: "Ingrid", LastName: "Nakamura", Email: ptr("ingrid.nakamura@example.com"),
		TeamID: ptr[int64](3302), References: harvestRef("4410982"), Tags: []Tag{{ID: 5117, Name: "Oslo"}},
		HolidaysGroupID: ptr[int64](214), Managers: []map[string]any{{"id": 6120.0}},
		CreatedAt: ts("2025-01-15T08:00:00.000Z"), UpdatedAt: ts("2025-06-30T12:10:09.442Z")}
}

func wantRole() Role {
	return Role{ID: 21877, Name: ptr("Senior Structural Engineer"), DefaultHourCost: 68.5, StandardRate: 155,
		References: harvestRef("5512"), PersonIDs: []int64{880451, 880467},
		CreatedAt: ts("2024-11-02T11:20:00.000Z"), UpdatedAt: ts("2025-02-01T09:00:00.000Z")}
}

func wantContract() Contract {
	return Contract{ID: 1290034, PersonID: 880451, RoleID: 21877, StartDate: "2025-01-15", EmploymentType: "employee",
		CostPerHour: ptr(68.5), MinutesPerDay: ptr(450.0),
		RosteredDays: RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450},
		JobTitle:     ptr("Senior Structural Engineer"),
		CreatedAt:    ts("2025-01-15T08:00:00.000Z"), UpdatedAt: ts("2025-01-15T08:00:00.000Z")}
}

func wantAssignment() Assignment {
	return Assignment{ID: 7712290, PersonID: 880451, ProjectID: 402288, RoleID: 21877, StartDate: "2025-07-07",
		EndDate: "2025-08-29", MinutesPerDay: 360, IsActive: true, IsBillable: true, PhaseID: ptr[int64](66120),
		CreatedAt: ts("2025-06-20T13:00:00.000Z"), UpdatedAt: ts("2025-06-20T13:00:00.000Z")}
}

func wantActual() Actual {
	return Actual{ID: 55830172, Date: "2025-07-09", BillableMinutes: 375, NonbillableMinutes: 45,
		BillableNote: ptr("Clash detection, level 3"), PersonID: 880451, ProjectID: 402288, RoleID: 21877,
		CreatedAt: ts("2025-07-10T02:15:33.901Z"), UpdatedAt: ts("2025-07-10T02:15:33.901Z")}
}

func wantProjectTag() ProjectTag {
	return ProjectTag{ID: 9031, Name: "sync_off", ProjectIDs: []int64{402288},
		CreatedAt: ts("2025-02-01T09:00:00.000Z"), UpdatedAt: ts("2025-02-01T09:00:00.000Z")}
}
