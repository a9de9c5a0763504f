package load

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/harvest2runn/harvest2runn/runn"
)

// Target keys name what a change writes, stably across attempts of a run: the resume finds a
// change's earlier attempts by (kind, target key). Created records are keyed by their Harvest
// id (roles by normalised name); actuals by the plan's own identity of the key, which names a
// record created this run by its Harvest id, so the key does not depend on that record's Runn id.

func harvestKey(id int64) string { return "harvest:" + strconv.FormatInt(id, 10) }

func roleTargetKey(roleKey string) string { return "role:" + roleKey }

func (c RoleChange) targetKey() string    { return roleTargetKey(c.RoleKey) }
func (c ClientChange) targetKey() string  { return harvestKey(c.HarvestClientID) }
func (c ProjectChange) targetKey() string { return harvestKey(c.HarvestProjectID) }
func (c PersonChange) targetKey() string  { return harvestKey(c.HarvestUserID) }

// actualTargetKey is "DATE person P project J role R", where a part not yet in Runn is
// "harvest:ID" (person, project) or "role:KEY".
func actualTargetKey(c ActualChange) string {
	ref := func(runnID, harvestID *int64) string {
		switch {
		case runnID != nil:
			return strconv.FormatInt(*runnID, 10)
		case harvestID != nil:
			return harvestKey(*harvestID)
		}
		return "?"
	}
	role := "?"
	switch {
	case c.RunnRoleID != nil:
		role = strconv.FormatInt(*c.RunnRoleID, 10)
	case c.RoleKey != nil:
		role = roleTargetKey(*c.RoleKey)
	}
	return fmt.Sprintf("%s person %s project %s role %s", c.Date, ref(c.RunnPersonID, c.HarvestUserID),
		ref(c.RunnProjectID, c.HarvestProjectID), role)
}

// resolvedActualKey is the key of an actual whose ids are all known.
func resolvedActualKey(in runn.ActualInput) string {
	return fmt.Sprintf("%s person %d project %d role %d", in.Date, in.PersonID, in.ProjectID, in.RoleID)
}

// normaliseRoleName is R6's normalisation: trim, inner white space collapsed, case-folded.
func normaliseRoleName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// harvestRefID reads r as R1 reads a Harvest reference (the staging models of Runn's records,
// sql/10_staging/stg_runn__*.sql): referenceName, spaces trimmed, lower-cased, is "harvest", and
// externalID, spaces trimmed, is a whole number (" 123" and "0123" are 123). Anything else is no
// Harvest reference. Link and load both read references through it, so that a record link
// counts as linked is one the check before a create finds, and no duplicate is created.
func harvestRefID(r runn.Reference) (int64, bool) {
	// DuckDB's lower and trim: only spaces are trimmed, and lower-casing is not Unicode folding
	// (strings.EqualFold would take "harveſt" for "harvest").
	if strings.ToLower(strings.Trim(r.ReferenceName, " ")) != strings.ToLower(runn.HarvestReferenceName) {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.Trim(r.ExternalID, " "), 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}

// carriesHarvestRef reports whether a Runn record's references include the Harvest reference id
// (read as R1 reads them, harvestRefID), and whether they include any Harvest reference.
func carriesHarvestRef(refs []runn.Reference, id int64) (match, any bool) {
	for _, r := range refs {
		got, ok := harvestRefID(r)
		if !ok {
			continue
		}
		any = true
		if got == id {
			match = true
		}
	}
	return match, any
}

func harvestRef(id int64) []runn.Reference {
	return []runn.Reference{{ReferenceName: runn.HarvestReferenceName, ExternalID: strconv.FormatInt(id, 10)}}
}
