package load

import (
	"context"
	"fmt"

	"github.com/harvest2runn/harvest2runn/runn"
)

// Reading Runn for records a create would make. Right before the creates of a kind, one read
// (a listing, or Runn's externalId filter for a single create) finds the records Runn already
// has, whatever the run's snapshot said (R17, R1): they are adopted, not created. And after a
// create got no answer, Runn is read to learn whether it landed. Either way a record is the one
// when it carries the Harvest reference the create would send (R1: the lowest id when several
// do). Roles created without a reference (Unknown, and names Harvest gives no role id for) are
// found by R6's normalised name among roles that carry no Harvest reference, as R6 would match
// them: either way the found role is the one to use.

// lookBeforeCreating reads Runn right before the creates of one kind and returns the Runn id of
// each record Runn already has, by target key. Changes an earlier load confirmed are not looked
// for; when none is left, nothing is read. A failed read stops the load (creating blind could
// duplicate records); running it again resumes.
func lookBeforeCreating[C, R any](ctx context.Context, a *applier, kind string, changes []C, key func(C) string,
	read func(ctx context.Context, todo []C) ([]R, error), match func([]R, C) int64) (map[string]int64, error) {
	var todo []C
	for _, c := range changes {
		if p, ok := a.prior[priorKey(kind, key(c))]; ok && p.Status == statusConfirmed && p.RunnID.Valid {
			continue
		}
		todo = append(todo, c)
	}
	found := map[string]int64{}
	if len(todo) == 0 {
		return found, nil
	}
	records, err := read(ctx, todo)
	if err != nil {
		return nil, fmt.Errorf("read Runn's %s before creating %d of them, to create none it already has (R17): %w; nothing of that kind was sent: run the load again to resume",
			plural(kind), len(todo), err)
	}
	for _, c := range todo {
		if id := match(records, c); id != 0 {
			found[key(c)] = id
		}
	}
	a.log.Debug("read Runn before creating", "kind", kind, "creates", len(todo), "records_read", len(records), "already_in_runn", len(found))
	return found, nil
}

func plural(kind string) string {
	if kind == KindPerson {
		return "people"
	}
	return kind + "s"
}

// lowestReferenced returns the lowest id among records carrying the Harvest reference harvestID.
func lowestReferenced[T any](records []T, harvestID int64, of func(T) (int64, []runn.Reference)) int64 {
	var best int64
	for _, r := range records {
		id, refs := of(r)
		if match, _ := carriesHarvestRef(refs, harvestID); match && (best == 0 || id < best) {
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
	id := matchRole(roles, c)
	return id, id != 0, nil
}

// matchRole returns the Runn role that is the role c would create, or 0: the one carrying its
// Harvest reference, else (R6) the lowest id among roles without a Harvest reference whose name
// normalises to c's key.
func matchRole(roles []runn.Role, c RoleChange) int64 {
	if c.HarvestRoleID != nil {
		if id := lowestReferenced(roles, *c.HarvestRoleID, func(r runn.Role) (int64, []runn.Reference) { return r.ID, r.References }); id != 0 {
			return id
		}
	}
	var best int64
	for _, r := range roles {
		if r.Name == nil || normaliseRoleName(*r.Name) != c.RoleKey {
			continue
		}
		if _, anyHarvest := carriesHarvestRef(r.References, 0); anyHarvest {
			continue
		}
		if best == 0 || r.ID < best {
			best = r.ID
		}
	}
	return best
}
