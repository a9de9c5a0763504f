package load

// dryRun describes what a load of the plan would send: the changes per kind and rule, how many
// an earlier load already confirmed, and the first changes of each kind. Nothing is sent.
func dryRun(res *Result, p Plan, prior map[string]prior, n int) {
	t := newTally(nil)
	count := func(kind, key, rule string) {
		t.plan(kind, rule)
		if pr, ok := prior[priorKey(kind, key)]; ok && pr.Status == statusConfirmed {
			t.finished(kind, rule, "already_done", nil)
		}
	}
	for _, c := range p.Roles {
		count(KindRole, roleTargetKey(c.RoleKey), c.Rule)
	}
	for _, c := range p.Clients {
		count(KindClient, harvestKey(c.HarvestClientID), c.Rule)
	}
	for _, c := range p.Projects {
		count(KindProject, harvestKey(c.HarvestProjectID), c.Rule)
	}
	for _, c := range p.People {
		count(KindPerson, harvestKey(c.HarvestUserID), c.Rule)
	}
	for _, c := range p.Actuals {
		count(KindActual, actualTargetKey(c), c.Rule)
	}
	t.into(res)
	res.Samples = map[string]any{
		KindRole: head(p.Roles, n), KindClient: head(p.Clients, n), KindProject: head(p.Projects, n),
		KindPerson: head(p.People, n), KindActual: head(p.Actuals, n),
	}
}

func head[T any](xs []T, n int) []T {
	if xs == nil {
		return []T{}
	}
	return xs[:min(n, len(xs))]
}
