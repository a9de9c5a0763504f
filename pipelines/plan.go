package pipelines

import (
	"context"
	"embed"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/transform"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// The reads behind a readable plan: one query per part, in .sql files beside this one.
//
//go:embed plansql/*.sql
var planSQL embed.FS

// Plan is what a run's plan does to Runn, record by record, with names beside every id: what
// `sync --dry-run`, `transform` and `replay` print (like `terraform plan`), and what their JSON
// carries under "plan".
type Plan struct {
	RunID int64 `json:"run_id"`
	// Creates are the records created (R2-R6), roles, clients, projects, then people (R15).
	Creates []PlanCreate `json:"creates"`
	// People are the actuals written (R10-R13), by person, then project.
	People []PlanPerson `json:"people"`
	Totals PlanTotals   `json:"totals"`
	// Exclusions are the time not sent (R9), by reason.
	Exclusions []transform.ExclusionSum `json:"exclusions"`
	// PeopleWithRoleUnknown is the one list of people whose time is blocked by the role Unknown
	// (plan.rpt_unknown_roles, warehouse.PeopleWithRoleUnknown).
	PeopleWithRoleUnknown      []warehouse.UnknownRolePerson `json:"people_with_role_unknown"`
	PeopleWithRoleUnknownCount int                           `json:"people_with_role_unknown_count"`
	PossibleDuplicates         []PossibleDuplicate           `json:"possible_duplicates"`
	PossibleDuplicatesCount    int                           `json:"possible_duplicates_count"`
	ReferenceConflictsCount    int64                         `json:"reference_conflicts_count"`
}

// PlanCreate is one record the plan creates, with the fields its create sends.
type PlanCreate struct {
	Kind      string `json:"kind" db:"kind"` // role, client, project, person
	HarvestID *int64 `json:"harvest_id" db:"harvest_id"`
	Name      string `json:"name" db:"name"`
	Rule      string `json:"rule" db:"rule"`
	Reason    string `json:"reason" db:"reason"`
	// Projects (R4).
	ClientName      *string  `json:"client_name,omitempty" db:"client_name"`
	HarvestClientID *int64   `json:"harvest_client_id,omitempty" db:"harvest_client_id"`
	RunnClientID    *int64   `json:"runn_client_id,omitempty" db:"runn_client_id"`
	PricingModel    *string  `json:"pricing_model,omitempty" db:"pricing_model"`
	Budget          *float64 `json:"budget,omitempty" db:"budget"`
	// People (R5, R6).
	Email          *string  `json:"email,omitempty" db:"email"`
	RoleName       *string  `json:"role_name,omitempty" db:"role_name"`
	RunnRoleID     *int64   `json:"runn_role_id,omitempty" db:"runn_role_id"`
	CostPerHour    *float64 `json:"cost_per_hour,omitempty" db:"cost_per_hour"`
	EmploymentType *string  `json:"employment_type,omitempty" db:"employment_type"`
	StartDate      *string  `json:"start_date,omitempty" db:"start_date"`
}

// Plan actions of an actual, by what Runn held before and what is sent (terraform's symbols).
const (
	ActionCreate = "create" // + Runn has no actual on the key
	ActionChange = "change" // ~ Runn holds other minutes
	ActionZero   = "zero"   // - Runn holds minutes, the plan sends 0 (R11, R12, or Harvest time rounding to 0)
)

// PlanActual is one actual written: its key, Runn's minutes before (nil: none) and after.
type PlanActual struct {
	Action     string       `json:"action"`
	Date       string       `json:"date"`
	RunnRoleID *int64       `json:"runn_role_id"`
	RoleName   string       `json:"role_name"`
	Before     *PlanMinutes `json:"before"`
	After      PlanMinutes  `json:"after"`
	Rule       string       `json:"rule"`
	Reason     string       `json:"reason"`
}

// PlanMinutes are an actual's minutes.
type PlanMinutes struct {
	Billable    int64 `json:"billable_minutes"`
	Nonbillable int64 `json:"nonbillable_minutes"`
}

// Total is the billable and non-billable minutes together.
func (m PlanMinutes) Total() int64 { return m.Billable + m.Nonbillable }

// PlanCounts count a group's actuals by action, with the minutes Runn held before (none counts
// 0) and the minutes after.
type PlanCounts struct {
	ActualsCount  int   `json:"actuals_count"`
	CreateCount   int   `json:"create_count"`
	ChangeCount   int   `json:"change_count"`
	ZeroCount     int   `json:"zero_count"`
	MinutesBefore int64 `json:"minutes_before"`
	MinutesAfter  int64 `json:"minutes_after"`
}

func (c *PlanCounts) add(a PlanActual) {
	c.ActualsCount++
	switch a.Action {
	case ActionCreate:
		c.CreateCount++
	case ActionChange:
		c.ChangeCount++
	default:
		c.ZeroCount++
	}
	if a.Before != nil {
		c.MinutesBefore += a.Before.Total()
	}
	c.MinutesAfter += a.After.Total()
}

// PlanPerson is the actuals of one person, by project.
type PlanPerson struct {
	HarvestUserID *int64        `json:"harvest_user_id"`
	RunnPersonID  *int64        `json:"runn_person_id"`
	PersonName    string        `json:"person_name"`
	Totals        PlanCounts    `json:"totals"`
	Projects      []PlanProject `json:"projects"`
	key           *int64
}

// PlanProject is the actuals of one person on one project.
type PlanProject struct {
	HarvestProjectID *int64       `json:"harvest_project_id"`
	RunnProjectID    *int64       `json:"runn_project_id"`
	ProjectName      string       `json:"project_name"`
	Totals           PlanCounts   `json:"totals"`
	Actuals          []PlanActual `json:"actuals"`
	key              *int64
}

// PlanTotals are the plan's summary line: records to create per kind, actuals by action.
type PlanTotals struct {
	CreateCount     int            `json:"create_count"` // records and actuals created
	ChangeCount     int            `json:"change_count"`
	ZeroCount       int            `json:"zero_count"`
	RecordsByKind   map[string]int `json:"records_by_kind"` // role, client, project, person
	ActualsByRule   map[string]int `json:"actuals_by_rule"`
	ActualsCount    int            `json:"actuals_count"`
	ExcludedMinutes int64          `json:"excluded_minutes"`
}

// PossibleDuplicate is a record created although Runn has one alike without a Harvest
// reference (R1a); `harvest2runn link` can link them instead (R16).
type PossibleDuplicate struct {
	Kind         string `json:"kind" db:"kind"`
	HarvestID    int64  `json:"harvest_id" db:"harvest_id"`
	HarvestValue string `json:"harvest_value" db:"harvest_value"`
	RunnID       int64  `json:"runn_id" db:"runn_id"`
	RunnValue    string `json:"runn_value" db:"runn_value"`
	ComparedOn   string `json:"compared_on" db:"compared_on"`
	Reason       string `json:"reason" db:"reason"`
}

// ReadPlan reads the plan of runID with its names. It must run right after the run's transform,
// on the same database: the names come from that transform's staging and intermediate models.
func ReadPlan(ctx context.Context, db *sqlx.DB, runID int64, sum transform.Summary) (*Plan, error) {
	p := &Plan{RunID: runID, Creates: []PlanCreate{}, People: []PlanPerson{}, Exclusions: nonNil(sum.Exclusions),
		PeopleWithRoleUnknown: nonNil(sum.UnknownRoles), PossibleDuplicates: []PossibleDuplicate{},
		ReferenceConflictsCount: sum.ReferenceClashes,
		Totals:                  PlanTotals{RecordsByKind: map[string]int{}, ActualsByRule: map[string]int{}}}
	p.PeopleWithRoleUnknownCount = len(p.PeopleWithRoleUnknown)
	if err := selectPlan(ctx, db, "creates.sql", &p.Creates, runID); err != nil {
		return p, err
	}
	for _, c := range p.Creates {
		p.Totals.RecordsByKind[c.Kind]++
		p.Totals.CreateCount++
	}
	var rows []actualRow
	if err := selectPlan(ctx, db, "actuals.sql", &rows, runID); err != nil {
		return p, err
	}
	p.People = groupActuals(rows, &p.Totals)
	if err := selectPlan(ctx, db, "duplicates.sql", &p.PossibleDuplicates, runID); err != nil {
		return p, err
	}
	p.PossibleDuplicatesCount = len(p.PossibleDuplicates)
	for _, x := range p.Exclusions {
		p.Totals.ExcludedMinutes += x.Minutes
	}
	return p, nil
}

func selectPlan(ctx context.Context, db *sqlx.DB, file string, dst any, runID int64) error {
	q, err := planSQL.ReadFile("plansql/" + file)
	if err != nil {
		return err
	}
	if err := db.SelectContext(ctx, dst, string(q), runID); err != nil {
		return fmt.Errorf("read the plan of run %d (pipelines/plansql/%s): %w", runID, file, err)
	}
	return nil
}

// actualRow is a row of plansql/actuals.sql.
type actualRow struct {
	Date             string `db:"date"`
	PersonKey        *int64 `db:"person_key"`
	ProjectKey       *int64 `db:"project_key"`
	HarvestUserID    *int64 `db:"harvest_user_id"`
	RunnPersonID     *int64 `db:"runn_person_id"`
	HarvestProjectID *int64 `db:"harvest_project_id"`
	RunnProjectID    *int64 `db:"runn_project_id"`
	RunnRoleID       *int64 `db:"runn_role_id"`
	PersonName       string `db:"person_name"`
	ProjectName      string `db:"project_name"`
	RoleName         string `db:"role_name"`
	Billable         int64  `db:"billable_minutes"`
	Nonbillable      int64  `db:"nonbillable_minutes"`
	RunnBillable     *int64 `db:"runn_billable_minutes"`
	RunnNonbillable  *int64 `db:"runn_nonbillable_minutes"`
	Rule             string `db:"rule"`
	Reason           string `db:"reason"`
}

func (r actualRow) actual() PlanActual {
	a := PlanActual{Date: r.Date, RunnRoleID: r.RunnRoleID, RoleName: r.RoleName, Rule: r.Rule, Reason: r.Reason,
		After: PlanMinutes{Billable: r.Billable, Nonbillable: r.Nonbillable}}
	switch {
	case r.RunnBillable == nil && r.RunnNonbillable == nil:
		a.Action = ActionCreate
	default:
		a.Before = &PlanMinutes{Billable: deref(r.RunnBillable), Nonbillable: deref(r.RunnNonbillable)}
		a.Action = ActionChange
		if a.After.Total() == 0 && a.Before.Total() > 0 {
			a.Action = ActionZero
		}
	}
	return a
}

// groupActuals groups rows, ordered by person and project, into people and projects, counting
// each actual in totals.
func groupActuals(rows []actualRow, totals *PlanTotals) []PlanPerson {
	people := []PlanPerson{}
	for _, r := range rows {
		a := r.actual()
		n := len(people)
		if n == 0 || !sameID(people[n-1].key, r.PersonKey) {
			people = append(people, PlanPerson{HarvestUserID: r.HarvestUserID, RunnPersonID: r.RunnPersonID, PersonName: r.PersonName, key: r.PersonKey})
			n++
		}
		pe := &people[n-1]
		m := len(pe.Projects)
		if m == 0 || !sameID(pe.Projects[m-1].key, r.ProjectKey) {
			pe.Projects = append(pe.Projects, PlanProject{HarvestProjectID: r.HarvestProjectID, RunnProjectID: r.RunnProjectID,
				ProjectName: r.ProjectName, key: r.ProjectKey})
			m++
		}
		pr := &pe.Projects[m-1]
		pr.Actuals = append(pr.Actuals, a)
		pr.Totals.add(a)
		pe.Totals.add(a)
		totals.ActualsCount++
		totals.ActualsByRule[a.Rule]++
		switch a.Action {
		case ActionCreate:
			totals.CreateCount++
		case ActionChange:
			totals.ChangeCount++
		default:
			totals.ZeroCount++
		}
	}
	return people
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func valueOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
