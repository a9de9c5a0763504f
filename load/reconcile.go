package load

import (
	"context"
	"strconv"

	"github.com/harvest2runn/harvest2runn/runn"
)

// Reconciliation: after a create got no answer, Runn is read to learn whether it landed. A record
// is the one the run created when it carries the Harvest reference the create sent (R1: the
// lowest id when several do). Roles created without a reference (Unknown, and names Harvest
// gives no role id for) are found by R6's normalised name among roles that carry no Harvest
// reference, as R6 would match them: either way the found role is the one to use.

// lowestReferenced returns the lowest id among records carrying the Harvest reference harvestID.
func lowestReferenced[T any](records []T, harvestID int64, of func(T) (int64, []runn.Reference)) int64 {
	want := strconv.FormatInt(harvestID, 10)
	var best int64
	for _, r := range records {
		id, refs := of(r)
		if match, _ := carriesHarvestRef(refs, want); match && (best == 0 || id < best) {
			best = id
		}
	}
	return best
}

func (a *applier) findClient(ctx context.Context, harvestClientID int64) (int64, bool, error) {
	clients, err := a.api.ListClients(ctx)
	if err != nil {
		return 0, false, err
	}
	id := lowestReferenced(clients, harvestClientID, func(c runn.Client) (int64, []runn.Reference) { return c.ID, c.References })
	return id, id != 0, nil
}

func (a *applier) findRole(ctx context.Context, c RoleChange) (int64, bool, error) {
	roles, err := a.api.ListRoles(ctx)
	if err != nil {
		return 0, false, err
	}
	if c.HarvestRoleID != nil {
		if id := lowestReferenced(roles, *c.HarvestRoleID, func(r runn.Role) (int64, []runn.Reference) { return r.ID, r.References }); id != 0 {
			return id, true, nil
		}
	}
	var best int64
	for _, r := range roles {
		if r.Name == nil || normaliseRoleName(*r.Name) != c.RoleKey {
			continue
		}
		if _, anyHarvest := carriesHarvestRef(r.References, ""); anyHarvest {
			continue
		}
		if best == 0 || r.ID < best {
			best = r.ID
		}
	}
	return best, best != 0, nil
}
