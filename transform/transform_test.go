package transform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

func TestModelsLoadInDependencyOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"10_staging/stg_a.sql":        {Data: []byte("SELECT 1 AS x")},
		"20_intermediate/int_b.sql":   {Data: []byte("SELECT * FROM intermediate.int_c -- reads c\nJOIN staging.stg_a USING (x)")},
		"20_intermediate/int_c.sql":   {Data: []byte("SELECT * FROM staging.stg_a, staging.run_context")},
		"30_changes/chg_d.sql":        {Data: []byte("SELECT * FROM intermediate.int_b")},
		"90_audits/audit_nothing.sql": {Data: []byte("SELECT * FROM changes.chg_d WHERE false")},
		"50_views/planned.sql":        {Data: []byte("SELECT * FROM plan.chg_d")},
	}
	ordered, audits, views, err := loadModels(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ordered {
		got = append(got, m.table())
	}
	want := "staging.stg_a intermediate.int_c intermediate.int_b changes.chg_d"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s", got, want)
	}
	if len(audits) != 1 || audits[0].name != "audit_nothing" {
		t.Errorf("audits = %+v", audits)
	}
	if len(views) != 1 || views[0].name != "planned" {
		t.Errorf("views = %+v", views)
	}
}

func TestModelsRefuseCyclesAndUnknownTables(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"circle": {
			"20_intermediate/int_a.sql": {Data: []byte("SELECT * FROM intermediate.int_b")},
			"20_intermediate/int_b.sql": {Data: []byte("SELECT * FROM intermediate.int_a")},
		},
		"unknown table": {"20_intermediate/int_a.sql": {Data: []byte("SELECT * FROM staging.nothing")}},
		"bad name":      {"20_intermediate/Int-A.sql": {Data: []byte("SELECT 1")}},
		"no layer":      {"50_other/x.sql": {Data: []byte("SELECT 1")}},
	} {
		if _, _, _, err := loadModels(fsys); err == nil {
			t.Errorf("%s: loadModels succeeded", name)
		}
	}
}

func TestEmbeddedModelsLoad(t *testing.T) {
	ordered, _, _, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(ordered) == 0 {
		t.Fatal("no models embedded")
	}
}

// A generated account goes through every model; staging holds one row per Harvest record.
func TestTransformGeneratedAccount(t *testing.T) {
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	acct := harvesttest.Generate(harvesttest.GenerateOptions{Seed: 3, TimeEntries: 1500})
	sc := scenario{Today: today.Format(time.DateOnly)}
	w := scenarioWarehouse(t, acct, &runntest.State{}, sc, today)
	res, err := Run(context.Background(), w, Options{RunID: 1, Today: today, WindowFrom: today.AddDate(0, 0, -45), Autofill: true})
	if err != nil && !errors.Is(err, ErrAuditFailed) {
		t.Fatal(err)
	}
	var users int
	if err := w.DB.Get(&users, "SELECT count(*) FROM staging.stg_harvest__users"); err != nil || users != len(acct.Users) {
		t.Fatalf("staging users = %d, %v; want %d", users, err, len(acct.Users))
	}
	if res.HarvestExtractID == 0 || res.RunnExtractID == 0 || len(res.Models) == 0 {
		t.Fatalf("result = %+v", res)
	}
	var status string
	if err := w.DB.Get(&status, "SELECT status FROM meta.transforms WHERE run_id = 1"); err != nil || status != "planned" {
		t.Fatalf("transform status %q, %v", status, err)
	}
	// The analysts' views agree with the plan: every planned write is listed, every excluded
	// entry too, and with Runn empty before the run, Runn after it holds exactly Harvest's time
	// less what was excluded, for every person, project and week.
	for _, q := range []struct{ view, plan string }{
		{"SELECT count(*) FROM analytics.planned_writes WHERE run_id = 1",
			"SELECT (SELECT count(*) FROM plan.chg_runn__roles) + (SELECT count(*) FROM plan.chg_runn__clients) + (SELECT count(*) FROM plan.chg_runn__projects) + (SELECT count(*) FROM plan.chg_runn__people) + (SELECT count(*) FROM plan.chg_runn__actuals)"},
		{"SELECT count(*) FROM analytics.excluded_time WHERE run_id = 1", "SELECT count(*) FROM plan.rpt_exclusions"},
		{"SELECT count(*) FROM analytics.minutes_by_week WHERE discrepancy <> 0", "SELECT 0"},
	} {
		var got, want int
		if err := w.DB.Get(&got, q.view); err != nil {
			t.Fatalf("%s: %v", q.view, err)
		}
		if err := w.DB.Get(&want, q.plan); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q.view, got, want)
		}
	}
	var weeks int
	if err := w.DB.Get(&weeks, "SELECT count(*) FROM analytics.minutes_by_week WHERE harvest_minutes > 0"); err != nil || weeks == 0 {
		t.Fatalf("analytics.minutes_by_week has %d rows with Harvest time, %v", weeks, err)
	}
}

func TestTransformRefusesUnknownKinds(t *testing.T) {
	if err := validKinds([]string{"actuals", "timesheets"}); err == nil || !strings.Contains(err.Error(), "timesheets") {
		t.Fatalf("validKinds = %v", err)
	}
}
