package runn

import "time"

// The record types below follow Runn API v1 (runn/runntest/runn-openapi.json). Fields the spec
// marks nullable are pointers so that null survives a round trip; ids the spec types as
// `number` are still whole numbers in practice and are held as int64.

// HarvestReferenceName is the referenceName harvest2runn writes and matches (case-insensitively, R1).
const HarvestReferenceName = "Harvest"

// Reference links a Runn record to a record in another system.
type Reference struct {
	ReferenceName string `json:"referenceName"`
	ExternalID    string `json:"externalId"`
}

// Tag is a tag as nested in projects and people.
type Tag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Client is Runn's client.
type Client struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Website    *string     `json:"website"`
	IsArchived bool        `json:"isArchived"`
	References []Reference `json:"references"`
	CreatedAt  time.Time   `json:"createdAt"`
	UpdatedAt  time.Time   `json:"updatedAt"`
}

// ClientInput is the body of POST /clients/.
type ClientInput struct {
	Name       string      `json:"name"`
	Website    string      `json:"website,omitempty"`
	References []Reference `json:"references,omitempty"`
}

// Project is Runn's project.
type Project struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name"`
	IsTemplate     bool           `json:"isTemplate"`
	IsArchived     bool           `json:"isArchived"`
	IsConfirmed    bool           `json:"isConfirmed"`
	PricingModel   string         `json:"pricingModel"`
	RateType       string         `json:"rateType"`
	TeamID         *int64         `json:"teamId"`
	Budget         *float64       `json:"budget"`
	ExpensesBudget *float64       `json:"expensesBudget"`
	References     []Reference    `json:"references"`
	ClientID       int64          `json:"clientId"`
	RateCardID     int64          `json:"rateCardId"`
	CustomFields   map[string]any `json:"customFields"`
	ManagerIDs     []int64        `json:"managerIds"`
	Tags           []Tag          `json:"tags"`
	CreatedAt      time.Time      `json:"createdAt"`
	UpdatedAt      time.Time      `json:"updatedAt"`
}

// ProjectInput is the body of POST /projects/ (the non-template form). Budget is a pointer so
// that "no budget" is left out of the body, never sent as 0 or null (R4).
type ProjectInput struct {
	Name         string      `json:"name"`
	ClientID     int64       `json:"clientId"`
	IsConfirmed  *bool       `json:"isConfirmed,omitempty"`
	Budget       *float64    `json:"budget,omitempty"`
	PricingModel string      `json:"pricingModel,omitempty"`
	References   []Reference `json:"references,omitempty"`
}

// Person is Runn's person as GET /people/ lists it (CollectionPerson).
type Person struct {
	ID              int64            `json:"id"`
	FirstName       string           `json:"firstName"`
	LastName        string           `json:"lastName"`
	Email           *string          `json:"email"`
	IsArchived      bool             `json:"isArchived"`
	TeamID          *int64           `json:"teamId"`
	References      []Reference      `json:"references"`
	Tags            []Tag            `json:"tags"`
	HolidaysGroupID *int64           `json:"holidaysGroupId"`
	Managers        []map[string]any `json:"managers"`
	CreatedAt       time.Time        `json:"createdAt"`
	UpdatedAt       time.Time        `json:"updatedAt"`
}

// PersonInput is the body of POST /people/, which also creates the person's first contract.
// Optional fields are pointers or omitempty so that a value Harvest lacks is left out (R5).
type PersonInput struct {
	FirstName      string        `json:"firstName"`
	LastName       string        `json:"lastName"`
	Email          string        `json:"email,omitempty"`
	References     []Reference   `json:"references,omitempty"`
	RoleID         int64         `json:"roleId"`
	StartDate      string        `json:"startDate,omitempty"`
	EmploymentType string        `json:"employmentType,omitempty"`
	CostPerHour    *float64      `json:"costPerHour,omitempty"`
	MinutesPerDay  *float64      `json:"minutesPerDay,omitempty"`
	RosteredDays   *RosteredDays `json:"rosteredDays,omitempty"`
}

// Role is Runn's role.
type Role struct {
	ID              int64       `json:"id"`
	Name            *string     `json:"name"`
	IsArchived      bool        `json:"isArchived"`
	DefaultHourCost float64     `json:"defaultHourCost"`
	StandardRate    float64     `json:"standardRate"`
	References      []Reference `json:"references"`
	PersonIDs       []int64     `json:"personIds"`
	CreatedAt       time.Time   `json:"createdAt"`
	UpdatedAt       time.Time   `json:"updatedAt"`
}

// RoleInput is the body of POST /roles/.
type RoleInput struct {
	Name       string      `json:"name"`
	References []Reference `json:"references,omitempty"`
}

// RosteredDays holds the minutes a contract rosters on each weekday.
type RosteredDays struct {
	Monday    float64 `json:"monday"`
	Tuesday   float64 `json:"tuesday"`
	Wednesday float64 `json:"wednesday"`
	Thursday  float64 `json:"thursday"`
	Friday    float64 `json:"friday"`
}

// Contract is a person's employment contract: role, cost and rostered days over a date range.
type Contract struct {
	ID             int64        `json:"id"`
	CostPerHour    *float64     `json:"costPerHour"`
	EmploymentType string       `json:"employmentType"`
	MinutesPerDay  *float64     `json:"minutesPerDay"`
	RosteredDays   RosteredDays `json:"rosteredDays"`
	StartDate      string       `json:"startDate"`
	EndDate        *string      `json:"endDate"`
	RoleID         int64        `json:"roleId"`
	PersonID       int64        `json:"personId"`
	JobTitle       *string      `json:"jobTitle"`
	CreatedAt      time.Time    `json:"createdAt"`
	UpdatedAt      time.Time    `json:"updatedAt"`
}

// Assignment is a person's scheduled time on a project with a role over a date range.
type Assignment struct {
	ID              int64     `json:"id"`
	PersonID        int64     `json:"personId"`
	StartDate       string    `json:"startDate"`
	EndDate         string    `json:"endDate"`
	ProjectID       int64     `json:"projectId"`
	MinutesPerDay   int64     `json:"minutesPerDay"`
	RoleID          int64     `json:"roleId"`
	IsActive        bool      `json:"isActive"`
	Note            *string   `json:"note"`
	IsBillable      bool      `json:"isBillable"`
	PhaseID         *int64    `json:"phaseId"`
	IsNonWorkingDay bool      `json:"isNonWorkingDay"`
	IsTemplate      bool      `json:"isTemplate"`
	IsPlaceholder   bool      `json:"isPlaceholder"`
	WorkstreamID    *int64    `json:"workstreamId"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// Actual is one day's recorded time for a (person, project, role, workstream).
type Actual struct {
	ID                 int64     `json:"id"`
	Date               string    `json:"date"`
	BillableMinutes    float64   `json:"billableMinutes"`
	NonbillableMinutes float64   `json:"nonbillableMinutes"`
	BillableNote       *string   `json:"billableNote"`
	NonbillableNote    *string   `json:"nonbillableNote"`
	PhaseID            *int64    `json:"phaseId"`
	PersonID           int64     `json:"personId"`
	ProjectID          int64     `json:"projectId"`
	RoleID             int64     `json:"roleId"`
	WorkstreamID       *int64    `json:"workstreamId"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// ActualInput is the body of POST /actuals/ and an item of POST /actuals/bulk/. The minutes
// replace what Runn holds for the key (upsert).
type ActualInput struct {
	Date               string `json:"date"`
	BillableMinutes    int64  `json:"billableMinutes"`
	NonbillableMinutes int64  `json:"nonbillableMinutes"`
	PersonID           int64  `json:"personId"`
	ProjectID          int64  `json:"projectId"`
	RoleID             int64  `json:"roleId"`
	WorkstreamID       *int64 `json:"workstreamId,omitempty"`
}

// ProjectTag is a tag that can be put on projects (e.g. sync_off, R9).
type ProjectTag struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	ProjectIDs []int64   `json:"projectIds"`
	Archived   bool      `json:"archived"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// ErrorBody is the body of every Runn error answer.
type ErrorBody struct {
	Error      string `json:"error"`
	Message    string `json:"message"`
	StatusCode int    `json:"statusCode"`
}
