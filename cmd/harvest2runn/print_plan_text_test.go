package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

// R4, R5: a create shows its name, its Harvest id and the fields its body sends.
func TestCreateText(t *testing.T) {
	for _, tc := range []struct {
		c    pipelines.PlanCreate
		want string
	}{
		{pipelines.PlanCreate{Kind: "project", Name: "Mobile App", HarvestID: testkit.Ptr[int64](14304521), ClientName: testkit.Ptr("Acme"),
			RunnClientID: testkit.Ptr[int64](7), PricingModel: testkit.Ptr("fp"), Budget: testkit.Ptr(21900.0)},
			`project "Mobile App" (Harvest 14304521) client "Acme" (Runn 7), fixed fee, budget 21,900`},
		{pipelines.PlanCreate{Kind: "project", Name: "Ops", HarvestID: testkit.Ptr[int64](2), ClientName: testkit.Ptr("New Co"),
			PricingModel: testkit.Ptr("nb")}, `project "Ops" (Harvest 2) client "New Co" (created above), non-billable`},
		{pipelines.PlanCreate{Kind: "person", Name: "Ada Lovelace", HarvestID: testkit.Ptr[int64](3), Email: testkit.Ptr("ada@example.com"),
			RoleName: testkit.Ptr("Developer"), RunnRoleID: testkit.Ptr[int64](9), EmploymentType: testkit.Ptr("contractor"),
			CostPerHour: testkit.Ptr(82.5), StartDate: testkit.Ptr("2024-01-02")},
			`person "Ada Lovelace" (Harvest 3) ada@example.com, role "Developer", contractor, cost 82.50/h, from 2024-01-02`},
		{pipelines.PlanCreate{Kind: "person", Name: "No Mail", HarvestID: testkit.Ptr[int64](4), RoleName: testkit.Ptr("Unknown"),
			EmploymentType: testkit.Ptr("employee"), CostPerHour: testkit.Ptr(0.0)},
			`person "No Mail" (Harvest 4) role "Unknown" (created above), employee, cost 0/h`},
		{pipelines.PlanCreate{Kind: "role", Name: "QA", HarvestID: testkit.Ptr[int64](5)}, `role "QA" (Harvest role 5)`},
		{pipelines.PlanCreate{Kind: "role", Name: "Unknown"}, `role "Unknown"`},
	} {
		if got := createText(tc.c); got != tc.want {
			t.Errorf("createText:\n got %s\nwant %s", got, tc.want)
		}
	}
}

// R10, R11, R13: an actual shows its symbol, Runn's minutes before -> after and its rule.
func TestActualText(t *testing.T) {
	for _, tc := range []struct {
		a    pipelines.PlanActual
		want string
	}{
		{pipelines.PlanActual{Action: pipelines.ActionCreate, Date: "2025-06-02", RoleName: "Dev", After: pipelines.PlanMinutes{Billable: 450}, Rule: "R10"},
			"+ 2025-06-02  Dev                                    none -> 7 h 30 min             (R10)"},
		{pipelines.PlanActual{Action: pipelines.ActionZero, Date: "2025-06-03", RoleName: "Dev", Before: &pipelines.PlanMinutes{Nonbillable: 120}, Rule: "R11"},
			"- 2025-06-03  Dev                    2 h 00 min non-bill. -> 0 h 00 min             (R11)"},
		{pipelines.PlanActual{Action: pipelines.ActionChange, Date: "2025-06-04", RoleName: "Dev", Before: &pipelines.PlanMinutes{Billable: 17},
			After: pipelines.PlanMinutes{Billable: 360, Nonbillable: 120}, Rule: "R10"},
			"~ 2025-06-04  Dev                              0 h 17 min -> 8 h 00 min (6 h 00 min bill.) (R10)"},
	} {
		if got := actualText(tc.a); got != tc.want {
			t.Errorf("actualText:\n got %q\nwant %q", got, tc.want)
		}
	}
}

func TestThousandsAndAmount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -21900: "-21,900"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[float64]string{21900: "21,900", 82.5: "82.50", 1234.25: "1,234.25", 0: "0"} {
		if got := amount(v); got != want {
			t.Errorf("amount(%v) = %q, want %q", v, got, want)
		}
	}
}

// --show takes a count or all; the default lists defaultShow records of a group.
func TestShowFlag(t *testing.T) {
	var s showFlag
	if got := s.limit(10); got != defaultShow {
		t.Errorf("default limit(10) = %d, want %d", got, defaultShow)
	}
	for _, tc := range []struct {
		in      string
		limit10 int
		bad     bool
	}{{"0", 0, false}, {"5", 5, false}, {"50", 10, false}, {"all", 10, false}, {"-1", 0, true}, {"some", 0, true}} {
		var f showFlag
		err := f.Set(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("--show %s: error %v", tc.in, err)
			continue
		}
		if !tc.bad && f.limit(10) != tc.limit10 {
			t.Errorf("--show %s: limit(10) = %d, want %d", tc.in, f.limit(10), tc.limit10)
		}
	}
}

// The summary line counts records and actuals; a plan with nothing to send says so (R14); possible
// duplicates point to link (R1a, R16).
func TestPlanSummaryAndHints(t *testing.T) {
	p := &pipelines.Plan{RunID: 3, Creates: []pipelines.PlanCreate{{Kind: "client", Name: "Acme"}},
		Totals:             pipelines.PlanTotals{CreateCount: 3, ChangeCount: 4, ZeroCount: 1, RecordsByKind: map[string]int{"client": 1}},
		PossibleDuplicates: []pipelines.PossibleDuplicate{{Kind: "client", HarvestID: 1, HarvestValue: "Acme", RunnID: 2, RunnValue: "ACME", ComparedOn: "name"}}}
	var b bytes.Buffer
	printPlan(&b, p, showFlag{})
	for _, want := range []string{"Plan: 3 to create (1 client, 2 actuals), 4 to change, 1 to zero.",
		`client "Acme" (Harvest 1) and Runn client "ACME" (Runn 2): same name`, "harvest2runn link --dry-run (R16)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan has no %q:\n%s", want, b.String())
		}
	}
	if got := planLine(&pipelines.Plan{}); !strings.Contains(got, "nothing to send") {
		t.Errorf("empty plan: %q", got)
	}
}

// A replay's differing rows show the names the replayed plan knows beside the ids.
func TestRowTextNames(t *testing.T) {
	p := &pipelines.Plan{Creates: []pipelines.PlanCreate{{Kind: "client", Name: "Acme", HarvestID: testkit.Ptr[int64](5)}},
		People: []pipelines.PlanPerson{{HarvestUserID: testkit.Ptr[int64](7), PersonName: "Ada", Projects: []pipelines.PlanProject{
			{RunnProjectID: testkit.Ptr[int64](9), ProjectName: "Ops"}}}}}
	got := rowText(map[string]any{"reason": "why", "harvest_client_id": int64(5), "harvest_user_id": int64(7), "runn_project_id": int64(9),
		"date": "2025-06-02", "rule": nil}, planNames(p))
	want := `date 2025-06-02, harvest_client_id 5 ("Acme"), harvest_user_id 7 ("Ada"), rule null, runn_project_id 9 ("Ops"), reason why`
	if got != want {
		t.Errorf("rowText:\n got %s\nwant %s", got, want)
	}
}
