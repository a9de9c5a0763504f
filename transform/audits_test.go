package transform

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// Each audit fires on a plan broken the way it guards against, and only it; an unbroken plan of
// a generated account passes them all.
func TestAuditsFire(t *testing.T) {
	_, audits, _, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		audit  string
		tamper string
	}{
		{"", ""},
		{"audit_changes__duplicate_keys", `INSERT INTO changes.chg_runn__people SELECT * FROM changes.chg_runn__people LIMIT 1`},
		// A second write of an actual's key (of a person created this run: no Runn id yet), with
		// 0 minutes so that the reconciliation still holds.
		{"audit_changes__duplicate_keys", `INSERT INTO changes.chg_runn__actuals
			SELECT * REPLACE (0::BIGINT AS billable_minutes, 0::BIGINT AS nonbillable_minutes)
			FROM changes.chg_runn__actuals WHERE runn_person_id IS NULL ORDER BY ALL LIMIT 1`},
		{"audit_actuals__invalid_minutes", `UPDATE changes.chg_runn__actuals SET billable_minutes = -1, nonbillable_minutes = nonbillable_minutes + billable_minutes + 1
			WHERE (date, harvest_user_id, harvest_project_id) = (SELECT (date, harvest_user_id, harvest_project_id) FROM changes.chg_runn__actuals WHERE billable_minutes > 0 ORDER BY ALL LIMIT 1)`},
		// Tomorrow, in the same week as the row moved: the reconciliation by week still holds.
		{"audit_actuals__outside_window", `UPDATE changes.chg_runn__actuals SET date = DATE '2025-06-28'
			WHERE (date, harvest_user_id, harvest_project_id) = (SELECT (date, harvest_user_id, harvest_project_id) FROM changes.chg_runn__actuals
				WHERE date >= DATE '2025-06-23' ORDER BY ALL LIMIT 1)`},
		{"audit_actuals__unresolved_references", `UPDATE changes.chg_runn__actuals SET runn_role_id = NULL, role_key = 'no such role'
			WHERE (date, harvest_user_id, harvest_project_id) = (SELECT (date, harvest_user_id, harvest_project_id) FROM changes.chg_runn__actuals ORDER BY ALL LIMIT 1)`},
		{"audit_creates__unresolved_references", `UPDATE changes.chg_runn__projects SET runn_client_id = NULL, harvest_client_id = -1
			WHERE harvest_project_id = (SELECT min(harvest_project_id) FROM changes.chg_runn__projects)`},
		{"audit_reconciliation__person_week", `DELETE FROM report.rpt_exclusions WHERE harvest_entry_id = (SELECT min(harvest_entry_id) FROM report.rpt_exclusions WHERE minutes > 0)`},
	} {
		name := tc.audit
		if name == "" {
			name = "unbroken"
		}
		t.Run(name, func(t *testing.T) {
			acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 5, TimeEntries: 1500})
			w := scenarioWarehouse(t, acct, generatedRunn(t, acct), scenario{Today: today.Format(time.DateOnly)}, today)
			ctx := context.Background()
			res, err := Run(ctx, w, Options{RunID: 1, Today: today, WindowFrom: today.AddDate(0, 0, -45), Autofill: true})
			if err != nil {
				t.Fatalf("unbroken plan: %v", err)
			}
			if len(res.AuditFailures) != 0 {
				t.Fatalf("unbroken plan fails audits: %+v", res.AuditFailures)
			}
			if tc.tamper == "" {
				return
			}
			r, err := w.DB.Exec(tc.tamper)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				t.Fatalf("the tampering changed nothing: %s", tc.tamper)
			}
			failures, err := runAudits(ctx, w.DB, audits)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range failures {
				got = append(got, f.Audit)
			}
			if diff := cmp.Diff([]string{tc.audit}, got); diff != "" {
				t.Errorf("audits that fired (-want +got):\n%s", diff)
			}
		})
	}
}

// generatedRunn is a Runn account for a generated Harvest account: one with nothing of Harvest's
// in it, so that the plan creates people, projects and roles and writes actuals referring to
// them; it holds a role, a client and a project of its own, so that the audits' lookups of Runn
// records are not empty (an IN over an empty set hides what an IN over NULL does).
func generatedRunn(t *testing.T, _ *harvesttest.Account) *runntest.State {
	t.Helper()
	name := "Runn's own role"
	return &runntest.State{
		Roles:    []runn.Role{{ID: 1, Name: &name}},
		Clients:  []runn.Client{{ID: 1, Name: "Runn's own client"}},
		Projects: []runn.Project{{ID: 1, Name: "Runn's own project", ClientID: 1, IsConfirmed: true, PricingModel: "tm", RateType: "hours", RateCardID: 1}},
	}
}
