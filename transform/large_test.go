package transform

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
)

// R7: staging reads the usual hours fast (DECIMAL(16, 9)) and any other text exactly as before
// (DECIMAL(38, 18)); either way hours keeps what Harvest sent and minutes is round(hours × 60)
// half away from zero, NULL when too large to count. An entry seen twice in one extract (it
// moved while we paged) is kept once: its latest updated_at, then its first page.
func TestR07StagingTimeEntries(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	type entry struct {
		extract, page, id int64
		hours             string
		updated           string
	}
	at := func(s string) string { return "2026-01-0" + s + " 00:00:00+00" }
	entries := []entry{
		{1, 1, 1, "0.175", at("1")},            // 10.5 min: 11
		{1, 1, 2, "1.025", at("1")},            // 61.5 min: 62, where a DOUBLE gives 61
		{1, 1, 3, "-0.175", at("1")},           // -10.5 min: -11
		{1, 1, 4, "7.5", at("1")},              // 450
		{1, 1, 5, "12345678.5", at("1")},       // 8 digits before the point: the exact reading
		{1, 1, 6, "0.12345678901", at("1")},    // 11 digits after the point: the exact reading, 7
		{1, 1, 7, "1e2", at("1")},              // an exponent: the exact reading, 6000
		{1, 1, 8, "1E-1", at("1")},             // 6
		{1, 1, 9, "16666666666666.6", at("1")}, // 999,999,999,999,996 min, just under 10^15
		{1, 1, 10, "1e15", at("1")},            // too large to count: NULL
		{1, 1, 11, "1e400", at("1")},           // +Inf as a DOUBLE: NULL
		{1, 1, 12, "0.123456789", at("1")},     // 9 digits after the point, fast and exact: 7
		// Moved while we paged: the latest updated_at wins, then the first page.
		{1, 1, 20, "1", at("1")},
		{1, 2, 20, "2", at("2")},
		{1, 3, 21, "3", at("3")},
		{1, 1, 21, "4", at("3")},
		{1, 2, 21, "5", at("2")},
		// Another extract's rows play no part.
		{2, 1, 20, "9", at("9")},
		{2, 1, 30, "9", at("9")},
	}
	for _, e := range entries {
		if _, err := w.DB.ExecContext(ctx, `INSERT INTO raw.harvest_time_entries BY NAME
			SELECT ? AS extract_id, ? AS page_seq, ? AS id, DATE '2026-01-05' AS spent_date, 1 AS user_id, 1 AS project_id,
				? AS hours, false AS is_running, true AS billable, ?::TIMESTAMPTZ AS updated_at`,
			e.extract, e.page, e.id, e.hours, e.updated); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	if err := Build(ctx, w, BuildOptions{RunID: 1, HarvestExtractID: 1, RunnExtractID: 2, Today: today}, "staging.stg_harvest__time_entries"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id      int64
		hours   string // as Harvest sent it; NULL when too large to count
		minutes sql.NullInt64
	}{
		{1, "0.175", valid(11)},
		{2, "1.025", valid(62)},
		{3, "-0.175", valid(-11)},
		{4, "7.5", valid(450)},
		{5, "12345678.5", valid(740740710)},
		{6, "0.12345678901", valid(7)},
		{7, "1e2", valid(6000)},
		{8, "1E-1", valid(6)},
		{9, "16666666666666.6", valid(999999999999996)},
		{10, "", sql.NullInt64{}},
		{11, "", sql.NullInt64{}},
		{12, "0.123456789", valid(7)},
		{20, "2", valid(120)},
		{21, "4", valid(240)},
	}
	var n int
	if err := w.DB.GetContext(ctx, &n, "SELECT count(*) FROM staging.stg_harvest__time_entries"); err != nil || n != len(tests) {
		t.Fatalf("staging holds %d entries, %v; want %d, one per id of extract 1", n, err, len(tests))
	}
	for _, tt := range tests {
		var got struct {
			Hours   sql.NullString `db:"hours"`
			Exact   sql.NullBool   `db:"exact"`
			Minutes sql.NullInt64  `db:"minutes"`
		}
		if err := w.DB.GetContext(ctx, &got, `SELECT hours::VARCHAR AS hours, hours = nullif(?, '')::DECIMAL(38, 18) AS exact, minutes
			FROM staging.stg_harvest__time_entries WHERE harvest_entry_id = ?`, tt.hours, tt.id); err != nil {
			t.Fatalf("entry %d: %v", tt.id, err)
		}
		if tt.hours == "" && got.Hours.Valid || tt.hours != "" && !got.Exact.Bool || got.Minutes != tt.minutes {
			t.Errorf("entry %d (%q): hours %v (equal to what Harvest sent: %v), minutes %v; want minutes %v",
				tt.id, tt.hours, got.Hours, got.Exact, got.Minutes, tt.minutes)
		}
	}
}

func valid(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }

// The models are written unordered (preserve_insertion_order = false, which keeps a CREATE
// TABLE AS of millions of rows from holding them all in memory), on the transform's own
// connection only: the setting is back to DuckDB's default on every pooled connection after.
func TestModelsWrittenUnorderedOnTheirSessionOnly(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	probe := []model{{schema: "staging", name: "probe", file: "10_staging/probe.sql",
		sql: "SELECT current_setting('preserve_insertion_order') AS preserve_insertion_order"}}
	res := &Result{Changes: map[string]int64{}}
	if err := unorderedWrites(ctx, w.DB, func(conn session) error {
		return buildModels(ctx, conn, probe, res, slog.New(slog.DiscardHandler))
	}); err != nil {
		t.Fatal(err)
	}
	var during bool
	if err := w.DB.GetContext(ctx, &during, "SELECT preserve_insertion_order FROM staging.probe"); err != nil || during {
		t.Errorf("preserve_insertion_order while the models were built = %v, %v; want false", during, err)
	}
	// Every connection the pool hands out afterwards has the default back.
	w.DB.SetMaxOpenConns(4)
	var conns []*sql.Conn
	for range 4 {
		c, err := w.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var after bool
		if err := c.QueryRowContext(ctx, "SELECT current_setting('preserve_insertion_order')").Scan(&after); err != nil || !after {
			t.Errorf("preserve_insertion_order after the models = %v, %v; want true", after, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
