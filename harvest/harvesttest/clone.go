package harvesttest

import (
	"slices"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// The server never modifies a stored record in place: a change stores a fresh deep copy, so a
// page being encoded under the read lock, and records handed out to callers, never see a
// half-made change. TestCloneSharesNothing fails when a new pointer or slice field is added to
// a record type without being copied here.

// dup returns a copy of *p, or nil.
func dup[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneUser(u *harvest.User) *harvest.User {
	c := *u
	c.DefaultHourlyRate = dup(u.DefaultHourlyRate)
	c.CostRate = dup(u.CostRate)
	c.Roles = slices.Clone(u.Roles)
	c.AccessRoles = slices.Clone(u.AccessRoles)
	c.CalendarIntegrationEnabled = dup(u.CalendarIntegrationEnabled)
	c.CalendarIntegrationSource = dup(u.CalendarIntegrationSource)
	c.CanCreateProjects = dup(u.CanCreateProjects)
	c.PermissionsClaims = slices.Clone(u.PermissionsClaims)
	return &c
}

func cloneRole(r *harvest.Role) *harvest.Role {
	c := *r
	c.UserIDs = slices.Clone(r.UserIDs)
	return &c
}

func cloneClient(cl *harvest.Client) *harvest.Client {
	c := *cl
	c.Address = dup(cl.Address)
	return &c
}

func cloneClientRef(r *harvest.ClientRef) *harvest.ClientRef {
	if r == nil {
		return nil
	}
	c := *r
	c.Currency = dup(r.Currency)
	return &c
}

func cloneProjectRef(r harvest.ProjectRef) harvest.ProjectRef {
	r.Code = dup(r.Code)
	return r
}

func cloneProject(p *harvest.Project) *harvest.Project {
	c := *p
	c.Client = cloneClientRef(p.Client)
	c.Code = dup(p.Code)
	c.HourlyRate = dup(p.HourlyRate)
	c.Budget = dup(p.Budget)
	c.OverBudgetNotificationPercentage = dup(p.OverBudgetNotificationPercentage)
	c.OverBudgetNotificationDate = dup(p.OverBudgetNotificationDate)
	c.CostBudget = dup(p.CostBudget)
	c.Fee = dup(p.Fee)
	c.Notes = dup(p.Notes)
	c.StartsOn = dup(p.StartsOn)
	c.EndsOn = dup(p.EndsOn)
	return &c
}

func cloneTask(t *harvest.Task) *harvest.Task {
	c := *t
	c.DefaultHourlyRate = dup(t.DefaultHourlyRate)
	return &c
}

func cloneUserAssignment(a *harvest.UserAssignment) *harvest.UserAssignment {
	c := *a
	c.Project = cloneProjectRef(a.Project)
	c.HourlyRate = dup(a.HourlyRate)
	c.Budget = dup(a.Budget)
	return &c
}

func cloneTimeEntry(e *harvest.TimeEntry) *harvest.TimeEntry {
	c := *e
	c.Client = *cloneClientRef(&e.Client)
	c.Project = cloneProjectRef(e.Project)
	if e.UserAssignment != nil {
		ua := *e.UserAssignment
		ua.Budget = dup(ua.Budget)
		ua.HourlyRate = dup(ua.HourlyRate)
		c.UserAssignment = &ua
	}
	if e.TaskAssignment != nil {
		ta := *e.TaskAssignment
		ta.HourlyRate = dup(ta.HourlyRate)
		ta.Budget = dup(ta.Budget)
		c.TaskAssignment = &ta
	}
	c.ExternalReference = dup(e.ExternalReference)
	c.Invoice = dup(e.Invoice)
	c.HoursWithoutTimer = dup(e.HoursWithoutTimer)
	c.RoundedHours = dup(e.RoundedHours)
	c.Notes = dup(e.Notes)
	c.LockedReason = dup(e.LockedReason)
	c.TimerStartedAt = dup(e.TimerStartedAt)
	c.StartedTime = dup(e.StartedTime)
	c.EndedTime = dup(e.EndedTime)
	c.BillableRate = dup(e.BillableRate)
	c.CostRate = dup(e.CostRate)
	return &c
}
