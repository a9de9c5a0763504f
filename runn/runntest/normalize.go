package runntest

import (
	"time"

	"github.com/harvest2runn/harvest2runn/runn"
)

// Runn answers arrays as [] (the spec marks them required and not nullable) and always has
// timestamps; these fill what a hand-written seed may leave out.

func stamp(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
	*t = t.UTC()
}

func stamps(created, updated *time.Time, now time.Time) {
	stamp(created, now)
	stamp(updated, now)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func emptyCustomFields() map[string]any {
	return map[string]any{"select": []any{}, "text": []any{}, "checkbox": []any{}, "date": []any{}}
}

func normClient(c *runn.Client, now time.Time) {
	c.References = nonNil(c.References)
	stamps(&c.CreatedAt, &c.UpdatedAt, now)
}

func normRole(r *runn.Role, now time.Time) {
	r.References = nonNil(r.References)
	r.PersonIDs = nonNil(r.PersonIDs)
	stamps(&r.CreatedAt, &r.UpdatedAt, now)
}

func normProjectTag(t *runn.ProjectTag, now time.Time) {
	t.ProjectIDs = nonNil(t.ProjectIDs)
	stamps(&t.CreatedAt, &t.UpdatedAt, now)
}

func normProject(p *runn.Project, now time.Time) {
	p.References = nonNil(p.References)
	p.ManagerIDs = nonNil(p.ManagerIDs)
	p.Tags = nonNil(p.Tags)
	if p.CustomFields == nil {
		p.CustomFields = emptyCustomFields()
	}
	if p.PricingModel == "" {
		p.PricingModel = "tm"
	}
	if p.RateType == "" {
		p.RateType = "hours"
	}
	if p.RateCardID == 0 {
		p.RateCardID = standardRateCardID
	}
	stamps(&p.CreatedAt, &p.UpdatedAt, now)
}

func normPerson(p *runn.Person, now time.Time) {
	p.References = nonNil(p.References)
	p.Tags = nonNil(p.Tags)
	p.Managers = nonNil(p.Managers)
	stamps(&p.CreatedAt, &p.UpdatedAt, now)
}

func normContract(c *runn.Contract, now time.Time) {
	if c.EmploymentType == "" {
		c.EmploymentType = "employee"
	}
	stamps(&c.CreatedAt, &c.UpdatedAt, now)
}

func normAssignment(a *runn.Assignment, now time.Time) {
	stamps(&a.CreatedAt, &a.UpdatedAt, now)
}

func normActual(a *runn.Actual, now time.Time) {
	stamps(&a.CreatedAt, &a.UpdatedAt, now)
}
