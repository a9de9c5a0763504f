package harvest

import (
	"encoding/json"
	"time"
)

// The record types below follow Harvest API v2 as documented, plus the undocumented fields real
// responses carry (see testdata/apis). Every field that Harvest may send as null is a pointer or
// a json.Number, so that a record decodes and re-encodes without inventing zeros. Money and hours
// are json.Number: the transform needs them at the precision Harvest sent (R7), and a float64
// would round 0.175 h × 60 down to 10 minutes.

// IDName is the {id, name} reference Harvest nests in other records.
type IDName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ClientRef is the client nested in projects and time entries.
type ClientRef struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	Currency *string `json:"currency,omitempty"`
}

// ProjectRef is the project nested in assignments and time entries.
type ProjectRef struct {
	ID   int64   `json:"id"`
	Name string  `json:"name"`
	Code *string `json:"code"`
}

// User is an element of GET /v2/users.
type User struct {
	ID                           int64        `json:"id"`
	FirstName                    string       `json:"first_name"`
	LastName                     string       `json:"last_name"`
	Email                        string       `json:"email"`
	Telephone                    string       `json:"telephone"`
	Timezone                     string       `json:"timezone"`
	HasAccessToAllFutureProjects bool         `json:"has_access_to_all_future_projects"`
	IsContractor                 bool         `json:"is_contractor"`
	IsActive                     bool         `json:"is_active"`
	WeeklyCapacity               int64        `json:"weekly_capacity"`
	DefaultHourlyRate            *json.Number `json:"default_hourly_rate"`
	CostRate                     *json.Number `json:"cost_rate"`
	Roles                        []string     `json:"roles"`
	AccessRoles                  []string     `json:"access_roles"`
	AvatarURL                    string       `json:"avatar_url"`
	CreatedAt                    time.Time    `json:"created_at"`
	UpdatedAt                    time.Time    `json:"updated_at"`
	CalendarIntegrationEnabled   *bool        `json:"calendar_integration_enabled,omitempty"`
	CalendarIntegrationSource    *string      `json:"calendar_integration_source,omitempty"`
	CanCreateProjects            *bool        `json:"can_create_projects,omitempty"`
	PermissionsClaims            []string     `json:"permissions_claims,omitempty"`
}

// Role is an element of GET /v2/roles (admin only).
type Role struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	UserIDs   []int64   `json:"user_ids"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Client is an element of GET /v2/clients.
type Client struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	IsActive     bool      `json:"is_active"`
	Address      *string   `json:"address"`
	StatementKey string    `json:"statement_key"`
	Currency     string    `json:"currency"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Project is an element of GET /v2/projects.
type Project struct {
	ID                               int64        `json:"id"`
	Client                           *ClientRef   `json:"client"`
	Name                             string       `json:"name"`
	Code                             *string      `json:"code"`
	IsActive                         bool         `json:"is_active"`
	IsBillable                       bool         `json:"is_billable"`
	IsFixedFee                       bool         `json:"is_fixed_fee"`
	BillBy                           string       `json:"bill_by"`
	HourlyRate                       *json.Number `json:"hourly_rate"`
	Budget                           *json.Number `json:"budget"`
	BudgetBy                         string       `json:"budget_by"`
	BudgetIsMonthly                  bool         `json:"budget_is_monthly"`
	NotifyWhenOverBudget             bool         `json:"notify_when_over_budget"`
	OverBudgetNotificationPercentage *json.Number `json:"over_budget_notification_percentage"`
	OverBudgetNotificationDate       *string      `json:"over_budget_notification_date"`
	ShowBudgetToAll                  bool         `json:"show_budget_to_all"`
	CostBudget                       *json.Number `json:"cost_budget"`
	CostBudgetIncludeExpenses        bool         `json:"cost_budget_include_expenses"`
	Fee                              *json.Number `json:"fee"`
	Notes                            *string      `json:"notes"`
	StartsOn                         *string      `json:"starts_on"`
	EndsOn                           *string      `json:"ends_on"`
	CreatedAt                        time.Time    `json:"created_at"`
	UpdatedAt                        time.Time    `json:"updated_at"`
}

// Task is an element of GET /v2/tasks.
type Task struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	BillableByDefault bool         `json:"billable_by_default"`
	DefaultHourlyRate *json.Number `json:"default_hourly_rate"`
	IsDefault         bool         `json:"is_default"`
	IsActive          bool         `json:"is_active"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
}

// UserAssignment is an element of GET /v2/user_assignments.
type UserAssignment struct {
	ID               int64        `json:"id"`
	Project          ProjectRef   `json:"project"`
	User             IDName       `json:"user"`
	IsActive         bool         `json:"is_active"`
	IsProjectManager bool         `json:"is_project_manager"`
	UseDefaultRates  bool         `json:"use_default_rates"`
	HourlyRate       *json.Number `json:"hourly_rate"`
	Budget           *json.Number `json:"budget"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

// EntryUserAssignment is the user assignment nested in a time entry.
type EntryUserAssignment struct {
	ID               int64        `json:"id"`
	IsProjectManager bool         `json:"is_project_manager"`
	IsActive         bool         `json:"is_active"`
	UseDefaultRates  bool         `json:"use_default_rates"`
	Budget           *json.Number `json:"budget"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
	HourlyRate       *json.Number `json:"hourly_rate"`
}

// EntryTaskAssignment is the task assignment nested in a time entry.
type EntryTaskAssignment struct {
	ID         int64        `json:"id"`
	Billable   bool         `json:"billable"`
	IsActive   bool         `json:"is_active"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	HourlyRate *json.Number `json:"hourly_rate"`
	Budget     *json.Number `json:"budget"`
}

// ExternalReference links a time entry to another tool; its ids are strings.
type ExternalReference struct {
	ID             string `json:"id"`
	GroupID        string `json:"group_id"`
	AccountID      string `json:"account_id"`
	Permalink      string `json:"permalink"`
	Service        string `json:"service"`
	ServiceIconURL string `json:"service_icon_url"`
}

// Invoice is the invoice nested in a billed time entry.
type Invoice struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
}

// TimeEntry is an element of GET /v2/time_entries.
type TimeEntry struct {
	ID                int64                `json:"id"`
	SpentDate         string               `json:"spent_date"`
	User              IDName               `json:"user"`
	Client            ClientRef            `json:"client"`
	Project           ProjectRef           `json:"project"`
	Task              IDName               `json:"task"`
	UserAssignment    *EntryUserAssignment `json:"user_assignment"`
	TaskAssignment    *EntryTaskAssignment `json:"task_assignment"`
	ExternalReference *ExternalReference   `json:"external_reference"`
	Invoice           *Invoice             `json:"invoice"`
	Hours             json.Number          `json:"hours"`
	HoursWithoutTimer *json.Number         `json:"hours_without_timer"`
	RoundedHours      *json.Number         `json:"rounded_hours"`
	Notes             *string              `json:"notes"`
	IsLocked          bool                 `json:"is_locked"`
	LockedReason      *string              `json:"locked_reason"`
	IsClosed          bool                 `json:"is_closed"`
	IsBilled          bool                 `json:"is_billed"`
	TimerStartedAt    *time.Time           `json:"timer_started_at"`
	StartedTime       *string              `json:"started_time"`
	EndedTime         *string              `json:"ended_time"`
	IsRunning         bool                 `json:"is_running"`
	Billable          bool                 `json:"billable"`
	Budgeted          bool                 `json:"budgeted"`
	BillableRate      *json.Number         `json:"billable_rate"`
	CostRate          *json.Number         `json:"cost_rate"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedAt         time.Time            `json:"updated_at"`
}
