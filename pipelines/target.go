package pipelines

import (
	"strconv"
	"strings"
)

// Target is what a write's target key (load's audit.writes.target_key) names, as numbers: a
// record created from Harvest ("harvest:ID"), a role ("role:KEY"), or an actual ("DATE person P
// project J role R", each part a Runn id, "harvest:ID" for a record the run created, or
// "role:KEY"). The output contract gives ids as numbers, never "harvest:12".
type Target struct {
	HarvestID        *int64  `json:"harvest_id,omitempty"`
	RoleKey          *string `json:"role_key,omitempty"`
	Date             *string `json:"date,omitempty"`
	RunnPersonID     *int64  `json:"runn_person_id,omitempty"`
	HarvestUserID    *int64  `json:"harvest_user_id,omitempty"`
	RunnProjectID    *int64  `json:"runn_project_id,omitempty"`
	HarvestProjectID *int64  `json:"harvest_project_id,omitempty"`
	RunnRoleID       *int64  `json:"runn_role_id,omitempty"`
}

// ParseTarget reads a target key of kind (role, client, project, person or actual). A part it
// does not recognise is left out: the key itself stays beside it in every output.
func ParseTarget(kind, key string) Target {
	var t Target
	if kind != "actual" {
		t.HarvestID, t.RoleKey = harvestRef(key), roleRef(key)
		return t
	}
	f := strings.Fields(key)
	if len(f) != 7 || f[1] != "person" || f[3] != "project" || f[5] != "role" {
		return t
	}
	t.Date = &f[0]
	t.RunnPersonID, t.HarvestUserID = number(f[2]), harvestRef(f[2])
	t.RunnProjectID, t.HarvestProjectID = number(f[4]), harvestRef(f[4])
	t.RunnRoleID, t.RoleKey = number(f[6]), roleRef(f[6])
	return t
}

func number(s string) *int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

func harvestRef(s string) *int64 {
	if id, ok := strings.CutPrefix(s, "harvest:"); ok {
		return number(id)
	}
	return nil
}

func roleRef(s string) *string {
	if k, ok := strings.CutPrefix(s, "role:"); ok {
		return &k
	}
	return nil
}
