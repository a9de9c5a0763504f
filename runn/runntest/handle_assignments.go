package runntest

import "github.com/harvest2runn/harvest2runn/runn"

func assignmentMeta(a *runn.Assignment) recordMeta {
	return recordMeta{id: a.ID, created: a.CreatedAt, updated: a.UpdatedAt}
}

// listAssignments filters by ids, and by dates the way the spec says: startDate keeps the
// assignments still running on or after it, endDate those begun on or before it, so both
// together select the assignments overlapping the range.
func listAssignments(st *store, c *call) (int, any, *apiError) {
	personID, byPerson := c.queryInt("personId")
	projectID, byProject := c.queryInt("projectId")
	roleID, byRole := c.queryInt("roleId")
	start, byStart := c.query("startDate")
	end, byEnd := c.query("endDate")
	return list(c, st.assignments, assignmentMeta, func(a *runn.Assignment) bool {
		return (!byPerson || a.PersonID == personID) &&
			(!byProject || a.ProjectID == projectID) &&
			(!byRole || a.RoleID == roleID) &&
			(!byStart || a.EndDate >= start) &&
			(!byEnd || a.StartDate <= end)
	})
}
