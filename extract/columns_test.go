package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// sourceField is a column of a raw table and where its decoder reads it in a record.
type sourceField struct {
	column string
	path   string // in the record's JSON; dots step into nested objects
	// number marks a VARCHAR that the API sends as a JSON number: decimals land as their text (R7).
	number bool
	// list, for a list-of-structs column, gives what is sent and what lands for a base value.
	list func(base int) (sent, landed any)
}

// rawTable is a raw table and the listing whose decoder fills it.
type rawTable struct {
	source, listing, table string
	fields                 []sourceField
}

func field(column, path string) sourceField { return sourceField{column: column, path: path} }

func number(column, path string) sourceField {
	return sourceField{column: column, path: path, number: true}
}

func runnReferences(column string) sourceField {
	return sourceField{column: column, path: column, list: func(base int) (any, any) {
		return []any{map[string]any{"referenceName": fmt.Sprint("Ref ", base), "externalId": fmt.Sprint(base + 1)}},
			[]any{map[string]any{"reference_name": fmt.Sprint("Ref ", base), "external_id": fmt.Sprint(base + 1)}}
	}}
}

func runnTags(column string) sourceField {
	return sourceField{column: column, path: column, list: func(base int) (any, any) {
		tag := map[string]any{"id": base + 2, "name": fmt.Sprint("Tag ", base)}
		return []any{tag}, []any{tag}
	}}
}

// decodedTables says, column by column, where each raw table's values come from (the API notes in
// harvest/ and runn/ name the fields). Every raw.harvest_* and raw.runn_* table must be here, with
// every column but extract_id and page_seq.
var decodedTables = []rawTable{
	{"harvest", "users", "harvest_users", []sourceField{field("id", "id"), field("first_name", "first_name"), field("last_name", "last_name"),
		field("email", "email"), field("telephone", "telephone"), field("timezone", "timezone"), field("is_contractor", "is_contractor"),
		field("is_active", "is_active"), field("weekly_capacity", "weekly_capacity"), number("default_hourly_rate", "default_hourly_rate"),
		number("cost_rate", "cost_rate"), field("roles", "roles"), field("access_roles", "access_roles"),
		field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"harvest", "roles", "harvest_roles", []sourceField{field("id", "id"), field("name", "name"), field("user_ids", "user_ids"),
		field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"harvest", "clients", "harvest_clients", []sourceField{field("id", "id"), field("name", "name"), field("is_active", "is_active"),
		field("currency", "currency"), field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"harvest", "projects", "harvest_projects", []sourceField{field("id", "id"), field("client_id", "client.id"), field("client_name", "client.name"),
		field("name", "name"), field("code", "code"), field("is_active", "is_active"), field("is_billable", "is_billable"),
		field("is_fixed_fee", "is_fixed_fee"), field("bill_by", "bill_by"), number("hourly_rate", "hourly_rate"), number("budget", "budget"),
		field("budget_by", "budget_by"), field("budget_is_monthly", "budget_is_monthly"), number("cost_budget", "cost_budget"),
		number("fee", "fee"), field("starts_on", "starts_on"), field("ends_on", "ends_on"), field("created_at", "created_at"),
		field("updated_at", "updated_at")}},
	{"harvest", "tasks", "harvest_tasks", []sourceField{field("id", "id"), field("name", "name"), field("billable_by_default", "billable_by_default"),
		field("is_default", "is_default"), field("is_active", "is_active"), field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"harvest", "user_assignments", "harvest_user_assignments", []sourceField{field("id", "id"), field("project_id", "project.id"),
		field("user_id", "user.id"), field("is_active", "is_active"), field("is_project_manager", "is_project_manager"),
		number("hourly_rate", "hourly_rate"), number("budget", "budget"), field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"harvest", "time_entries", "harvest_time_entries", []sourceField{field("id", "id"), field("spent_date", "spent_date"),
		field("user_id", "user.id"), field("client_id", "client.id"), field("project_id", "project.id"), field("task_id", "task.id"),
		field("user_assignment_id", "user_assignment.id"), field("task_assignment_id", "task_assignment.id"), number("hours", "hours"),
		number("rounded_hours", "rounded_hours"), field("is_running", "is_running"), field("billable", "billable"), field("is_locked", "is_locked"),
		field("is_closed", "is_closed"), field("is_billed", "is_billed"), number("billable_rate", "billable_rate"),
		number("cost_rate", "cost_rate"), field("notes", "notes"), field("created_at", "created_at"), field("updated_at", "updated_at")}},
	{"runn", "roles", "runn_roles", []sourceField{field("id", "id"), field("name", "name"), field("is_archived", "isArchived"),
		field("default_hour_cost", "defaultHourCost"), field("standard_rate", "standardRate"), runnReferences("references"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "clients", "runn_clients", []sourceField{field("id", "id"), field("name", "name"), field("website", "website"),
		field("is_archived", "isArchived"), runnReferences("references"), field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "projects", "runn_projects", []sourceField{field("id", "id"), field("name", "name"), field("client_id", "clientId"),
		field("is_template", "isTemplate"), field("is_archived", "isArchived"), field("is_confirmed", "isConfirmed"),
		field("pricing_model", "pricingModel"), field("budget", "budget"), runnReferences("references"), runnTags("tags"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "people", "runn_people", []sourceField{field("id", "id"), field("first_name", "firstName"), field("last_name", "lastName"),
		field("email", "email"), field("is_archived", "isArchived"), runnReferences("references"), runnTags("tags"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "project-tags", "runn_project_tags", []sourceField{field("id", "id"), field("name", "name"), field("project_ids", "projectIds"),
		field("archived", "archived"), field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "contracts", "runn_contracts", []sourceField{field("id", "id"), field("person_id", "personId"), field("role_id", "roleId"),
		field("start_date", "startDate"), field("end_date", "endDate"), field("employment_type", "employmentType"),
		field("cost_per_hour", "costPerHour"), field("minutes_per_day", "minutesPerDay"), field("rostered_monday", "rosteredDays.monday"),
		field("rostered_tuesday", "rosteredDays.tuesday"), field("rostered_wednesday", "rosteredDays.wednesday"),
		field("rostered_thursday", "rosteredDays.thursday"), field("rostered_friday", "rosteredDays.friday"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "assignments", "runn_assignments", []sourceField{field("id", "id"), field("person_id", "personId"), field("project_id", "projectId"),
		field("role_id", "roleId"), field("start_date", "startDate"), field("end_date", "endDate"), field("minutes_per_day", "minutesPerDay"),
		field("is_active", "isActive"), field("is_billable", "isBillable"), field("is_non_working_day", "isNonWorkingDay"),
		field("is_template", "isTemplate"), field("is_placeholder", "isPlaceholder"), field("workstream_id", "workstreamId"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
	{"runn", "actuals", "runn_actuals", []sourceField{field("id", "id"), field("date", "date"), field("person_id", "personId"),
		field("project_id", "projectId"), field("role_id", "roleId"), field("workstream_id", "workstreamId"), field("phase_id", "phaseId"),
		field("billable_minutes", "billableMinutes"), field("nonbillable_minutes", "nonbillableMinutes"),
		field("created_at", "createdAt"), field("updated_at", "updatedAt")}},
}

// sampleRecord is a record to send and what each column must hold once it landed.
type sampleRecord struct {
	id     int
	sent   map[string]any
	landed map[string]any // by column: the JSON of the column's value (TIMESTAMPTZ: epoch milliseconds)
}

// sampleRecords builds the records of a table whose every column holds a value no other column of
// the record holds: numbers, texts, dates and times count up column by column, and the i-th
// BOOLEAN column is true only in the i-th record. Swapping any two columns in a decoder lands a
// value under the wrong name.
func sampleRecords(t *testing.T, tb rawTable, types map[string]string) []sampleRecord {
	t.Helper()
	var bools []string
	for _, fd := range tb.fields {
		if types[fd.column] == "BOOLEAN" {
			bools = append(bools, fd.column)
		}
	}
	out := make([]sampleRecord, max(1, len(bools)))
	day := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for r := range out {
		rec := sampleRecord{id: (r + 1) * 1000, sent: map[string]any{}, landed: map[string]any{}}
		for i, fd := range tb.fields {
			base := (r+1)*1000 + i
			var sent, landed any
			switch typ := types[fd.column]; {
			case fd.list != nil:
				sent, landed = fd.list(base)
			case typ == "BIGINT":
				sent, landed = base, base
			case typ == "DOUBLE":
				sent, landed = float64(base)+0.5, float64(base)+0.5
			case typ == "VARCHAR" && fd.number:
				text := fmt.Sprintf("%d.25", base)
				sent, landed = json.Number(text), text
			case typ == "VARCHAR":
				sent, landed = fmt.Sprintf("%s %d", fd.column, r), fmt.Sprintf("%s %d", fd.column, r)
			case typ == "BOOLEAN":
				sent, landed = bools[r] == fd.column, bools[r] == fd.column
			case typ == "DATE":
				d := day.AddDate(0, 0, base).Format(time.DateOnly)
				sent, landed = d, d
			case typ == "TIMESTAMP WITH TIME ZONE":
				at := day.Add(time.Duration(base) * time.Minute)
				sent, landed = at.Format(time.RFC3339), at.UnixMilli()
			case typ == "BIGINT[]":
				sent, landed = []int{base, base + 1}, []int{base, base + 1}
			case typ == "VARCHAR[]":
				list := []string{fmt.Sprintf("%s %d a", fd.column, r), fmt.Sprintf("%s %d b", fd.column, r)}
				sent, landed = list, list
			default:
				t.Fatalf("raw.%s.%s is a %s: give sampleRecords a value of that type", tb.table, fd.column, typ)
			}
			if fd.column == "id" {
				rec.id = base
			}
			setPath(rec.sent, fd.path, sent)
			rec.landed[fd.column] = landed
		}
		out[r] = rec
	}
	return out
}

func setPath(m map[string]any, path string, v any) {
	key, rest, nested := strings.Cut(path, ".")
	if !nested {
		m[key] = v
		return
	}
	inner, ok := m[key].(map[string]any)
	if !ok {
		inner = map[string]any{}
		m[key] = inner
	}
	setPath(inner, rest, v)
}

// rawColumns reads the columns of every raw.harvest_* and raw.runn_* table: table -> column -> type.
func rawColumns(t *testing.T, w *warehouse.Warehouse) map[string]map[string]string {
	t.Helper()
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
		Type   string `db:"data_type"`
	}
	if err := w.DB.Select(&cols, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'raw' AND (starts_with(table_name, 'harvest_') OR starts_with(table_name, 'runn_'))`); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, c := range cols {
		if out[c.Table] == nil {
			out[c.Table] = map[string]string{}
		}
		out[c.Table][c.Column] = c.Type
	}
	return out
}

// runnPagesAPI serves one fixed page body per endpoint, and an empty one for the others.
type runnPagesAPI struct{ bodies map[runn.Endpoint]string }

func (a runnPagesAPI) ListPages(ctx context.Context, ep runn.Endpoint, q url.Values, fn func(runn.Page) error) error {
	body, ok := a.bodies[ep]
	if !ok {
		body = `{"values":[]}`
	}
	var env struct{ Values []json.RawMessage }
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return err
	}
	return fn(runn.Page{Endpoint: ep, URL: "https://runn.example/" + string(ep), Seq: 1, Status: 200, Body: []byte(body),
		FetchedAt: time.Date(2025, 6, 27, 9, 0, 0, 0, time.UTC), Count: len(env.Values)})
}

func (runnPagesAPI) Stats() runn.Stats { return runn.Stats{} }

// The decoders pass a row's values by position, in the order of the migrations' CREATE TABLEs.
// Each raw table gets records whose columns all differ, landed through the real extract, then
// read back by column name: two columns swapped in a decoder (or in a migration) land a value
// under the wrong name and fail here, even where the types agree and the appender takes it.
func TestDecodersLandEveryColumnByName(t *testing.T) {
	ctx := context.Background()
	w := testwarehouse.Open(t)
	columns := rawColumns(t, w)

	var tables []string
	for _, tb := range decodedTables {
		tables = append(tables, tb.table)
		var want []string
		for _, fd := range tb.fields {
			want = append(want, fd.column)
		}
		var got []string
		for c := range columns[tb.table] {
			if c != "extract_id" && c != "page_seq" {
				got = append(got, c)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("raw.%s: columns the test describes (-) and the migration creates (+); describe every column in decodedTables:\n%s", tb.table, diff)
		}
	}
	var created []string
	for table := range columns {
		created = append(created, table)
	}
	slices.Sort(tables)
	slices.Sort(created)
	if diff := cmp.Diff(tables, created); diff != "" {
		t.Fatalf("raw tables the test describes (-) and the migrations create (+):\n%s", diff)
	}

	records := map[string][]sampleRecord{}
	harvestPages := pagesAPI{bodies: map[harvest.Resource][]string{}}
	runnPages := runnPagesAPI{bodies: map[runn.Endpoint]string{}}
	for _, tb := range decodedTables {
		recs := sampleRecords(t, tb, columns[tb.table])
		records[tb.table] = recs
		var sent []any
		for _, r := range recs {
			sent = append(sent, r.sent)
		}
		if tb.source == "harvest" {
			body, _ := json.Marshal(map[string]any{tb.listing: sent})
			harvestPages.bodies[harvest.Resource(tb.listing)] = []string{string(body)}
		} else {
			body, _ := json.Marshal(map[string]any{"values": sent})
			runnPages.bodies[runn.Endpoint(tb.listing)] = string(body)
		}
	}
	today := time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)
	run, err := w.StartRun(ctx, "extract", today, nil)
	if err != nil {
		t.Fatal(err)
	}
	hm, err := Harvest(ctx, w, harvestPages, HarvestOptions{RunID: run.ID, Window: Window{To: today}})
	if err != nil {
		t.Fatalf("Harvest() = %v", err)
	}
	rm, err := Runn(ctx, w, runnPages, RunnOptions{RunID: run.ID, ActualsWindow: Window{To: today}})
	if err != nil {
		t.Fatalf("Runn() = %v", err)
	}

	for _, tb := range decodedTables {
		extractID := hm.ExtractID
		if tb.source == "runn" {
			extractID = rm.ExtractID
		}
		exprs := []string{"page_seq"}
		for _, fd := range tb.fields {
			if columns[tb.table][fd.column] == "TIMESTAMP WITH TIME ZONE" {
				exprs = append(exprs, fmt.Sprintf(`to_json(epoch_ms(%q))::VARCHAR`, fd.column))
			} else {
				exprs = append(exprs, fmt.Sprintf(`to_json(%q)::VARCHAR`, fd.column))
			}
		}
		var n int
		if err := w.DB.Get(&n, "SELECT count(*) FROM raw."+tb.table+" WHERE extract_id = ?", extractID); err != nil || n != len(records[tb.table]) {
			t.Errorf("raw.%s holds %d rows of the extract, want %d (%v)", tb.table, n, len(records[tb.table]), err)
		}
		for _, rec := range records[tb.table] {
			got := make([]*string, len(exprs))
			dest := make([]any, len(exprs))
			for i := range got {
				dest[i] = &got[i]
			}
			if err := w.DB.QueryRow("SELECT "+strings.Join(exprs, ", ")+" FROM raw."+tb.table+" WHERE extract_id = ? AND id = ?",
				extractID, rec.id).Scan(dest...); err != nil {
				t.Errorf("raw.%s record %d: %v", tb.table, rec.id, err)
				continue
			}
			if got[0] == nil || *got[0] != "1" {
				t.Errorf("raw.%s record %d: page_seq %v, want 1", tb.table, rec.id, got[0])
			}
			for i, fd := range tb.fields {
				want, _ := json.Marshal(rec.landed[fd.column])
				var gotV, wantV any
				if got[i+1] != nil {
					_ = json.Unmarshal([]byte(*got[i+1]), &gotV)
				}
				_ = json.Unmarshal(want, &wantV)
				if !cmp.Equal(gotV, wantV) {
					t.Errorf("raw.%s.%s of record %d = %v, want %s (sent as %q): the decoder's values are out of the migration's column order",
						tb.table, fd.column, rec.id, deref(got[i+1]), want, fd.path)
				}
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}
