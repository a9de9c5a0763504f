package extract

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/harvest/harvesttest"
	"github.com/harvest2runn/harvest2runn/internal/testkit"
	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

const (
	testToken   = "test-token-0123456789abcdef"
	testAccount = "424242"
)

// faultsStart is where the fake clock of a fixture's client starts: backoff and rate-limit
// pauses move it on at once, so fault tests stay fast.
var faultsStart = time.Date(2025, 6, 27, 9, 0, 0, 0, time.UTC)

// recordingAPI remembers every page body the client handed over, to check the warehouse keeps
// them byte for byte.
type recordingAPI struct {
	*harvest.APIClient
	mu    sync.Mutex
	pages map[string][]byte
}

func (r *recordingAPI) List(ctx context.Context, res harvest.Resource, q url.Values, fn func(harvest.Page) error) error {
	return r.APIClient.List(ctx, res, q, func(p harvest.Page) error {
		r.mu.Lock()
		r.pages[string(p.Resource)+"#"+strconv.Itoa(p.Seq)] = append([]byte(nil), p.Body...)
		r.mu.Unlock()
		return fn(p)
	})
}

type fixture struct {
	acct *harvesttest.Account
	srv  *testwarehouse.HarvestFake
	api  *harvest.APIClient
	w    *warehouse.Warehouse
	to   time.Time
}

func newFixture(t *testing.T, opts harvesttest.Options, gen harvesttest.GenerateOptions) *fixture {
	t.Helper()
	acct := harvesttest.Generate(gen)
	opts.Token, opts.AccountID = testToken, testAccount
	srv := testwarehouse.StartHarvest(t, acct, opts)
	api := srv.Client(t, harvest.Config{Clock: testkit.NewFakeClock(faultsStart), Concurrency: 4})
	return &fixture{acct: acct, srv: srv, api: api, w: testwarehouse.Open(t), to: lastSpentDate(acct)}
}

func lastSpentDate(a *harvesttest.Account) time.Time {
	var last string
	for _, e := range a.TimeEntries {
		if e.SpentDate > last {
			last = e.SpentDate
		}
	}
	t, _ := time.Parse(time.DateOnly, last)
	return t
}

func (f *fixture) run(t *testing.T, api HarvestAPI, win Window) (Manifest, error) {
	t.Helper()
	ctx := context.Background()
	r, err := f.w.StartRun(ctx, "extract", win.To, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Harvest(ctx, f.w, api, HarvestOptions{RunID: r.ID, Window: win})
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.w.DB.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// entriesIn counts the entries the extract reads for win: from its first day on, with no upper
// bound (entries after today are reported, R9).
func entriesIn(a *harvesttest.Account, win Window) int {
	n := 0
	for _, e := range a.TimeEntries {
		d, _ := time.Parse(time.DateOnly, e.SpentDate)
		if win.From.IsZero() || !d.Before(win.From) {
			n++
		}
	}
	return n
}

func TestHarvestExtractLandsEveryRecordAndPage(t *testing.T) {
	f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 1, TimeEntries: 3000})
	rec := &recordingAPI{APIClient: f.api, pages: map[string][]byte{}}
	win := Window{From: f.to.AddDate(0, 0, -45), To: f.to}
	m, err := f.run(t, rec, win)
	if err != nil {
		t.Fatalf("Harvest() = %v", err)
	}
	if m.Status != warehouse.RunSucceeded || m.Pages == 0 || m.Requests < m.Pages {
		t.Fatalf("manifest = %+v", m)
	}
	want := map[string]int{
		"users": len(f.acct.Users), "roles": len(f.acct.Roles), "clients": len(f.acct.Clients),
		"projects": len(f.acct.Projects), "tasks": len(f.acct.Tasks), "user_assignments": len(f.acct.UserAssignments),
		"time_entries": entriesIn(f.acct, win),
	}
	for res, n := range want {
		if got := f.count(t, "SELECT count(*) FROM raw.harvest_"+res+" WHERE extract_id = ?", m.ExtractID); got != n {
			t.Errorf("raw.harvest_%s has %d rows, want %d", res, got, n)
		}
		if m.PerResource[res] != int64(n) {
			t.Errorf("manifest says %d %s, want %d", m.PerResource[res], res, n)
		}
	}
	if got := f.count(t, "SELECT count(*) FROM raw.harvest_time_entries WHERE spent_date < ?", win.From); got != 0 {
		t.Errorf("%d time entries before the window %s landed", got, win)
	}
	// Every page comes back byte for byte.
	for key, body := range rec.pages {
		res, seq, _ := strings.Cut(key, "#")
		got, err := PageBody(context.Background(), f.w, "harvest", m.ExtractID, res, mustAtoi(t, seq))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("page %s: stored body differs from what Harvest sent (%d vs %d bytes)", key, len(got), len(body))
		}
	}
	if got := f.count(t, "SELECT count(*) FROM raw.pages WHERE source = 'harvest' AND extract_id = ?", m.ExtractID); got != len(rec.pages) {
		t.Errorf("raw.pages has %d Harvest pages, client delivered %d", got, len(rec.pages))
	}
	// Decimal hours keep the exact text Harvest sent (R7 needs them unrounded).
	byID := map[int64]string{}
	for _, e := range f.acct.TimeEntries {
		byID[e.ID] = e.Hours.String()
	}
	rows, err := f.w.DB.Query("SELECT id, hours FROM raw.harvest_time_entries WHERE extract_id = ?", m.ExtractID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var hours string
		if err := rows.Scan(&id, &hours); err != nil {
			t.Fatal(err)
		}
		if byID[id] != hours {
			t.Fatalf("time entry %d: hours landed as %q, Harvest sent %q", id, hours, byID[id])
		}
	}
	var status string
	if err := f.w.DB.Get(&status, "SELECT status FROM meta.extracts WHERE extract_id = ?", m.ExtractID); err != nil || status != "succeeded" {
		t.Fatalf("extract status = %q, %v", status, err)
	}
}

func TestHarvestExtractFullHistory(t *testing.T) {
	f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 2, TimeEntries: 500})
	m, err := f.run(t, f.api, Window{To: f.to})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.PerResource["time_entries"]; got != int64(len(f.acct.TimeEntries)) {
		t.Fatalf("full history landed %d entries, account has %d", got, len(f.acct.TimeEntries))
	}
}

// Bad pages fail the extract with the URL and the reason, and the extract is marked failed.
func TestHarvestExtractMalformedPageFails(t *testing.T) {
	for _, kind := range []harvesttest.FaultKind{harvesttest.MalformedJSON, harvesttest.WrongEnvelope} {
		t.Run(kind.String(), func(t *testing.T) {
			f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 3, TimeEntries: 300})
			f.srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/projects", Kind: kind})
			m, err := f.run(t, f.api, Window{From: f.to.AddDate(0, 0, -45), To: f.to})
			if err == nil {
				t.Fatal("extract of a malformed page succeeded")
			}
			if !strings.Contains(err.Error(), "/v2/projects") {
				t.Errorf("error %q does not name the URL", err)
			}
			var mp *harvest.MalformedPageError
			if !errors.As(err, &mp) {
				t.Errorf("error %v is not a MalformedPageError", err)
			}
			var status, msg string
			row := f.w.DB.QueryRow("SELECT status, error FROM meta.extracts WHERE extract_id = ?", m.ExtractID)
			if err := row.Scan(&status, &msg); err != nil || status != "failed" || !strings.Contains(msg, "/v2/projects") {
				t.Fatalf("extract recorded as %q (%q), %v; want failed with the URL", status, msg, err)
			}
			if strings.Contains(msg, testToken) {
				t.Fatal("the token leaked into the warehouse")
			}
			if _, err := f.w.UsableExtract(context.Background(), m.RunID, "harvest"); err == nil {
				t.Fatal("a later stage could use the failed extract")
			}
		})
	}
}

// 429s, 5xx, truncated bodies and reset connections are survived, and counted.
func TestHarvestExtractSurvivesFaults(t *testing.T) {
	f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 4, TimeEntries: 5000})
	for _, fl := range []harvesttest.Fault{
		{PathPrefix: "/v2/users", Kind: harvesttest.RateLimited, Times: 2},
		{PathPrefix: "/v2/clients", Kind: harvesttest.ServerError, Status: 503, Times: 3},
		{PathPrefix: "/v2/time_entries", Kind: harvesttest.TruncatedBody, Times: 2},
		{PathPrefix: "/v2/projects", Kind: harvesttest.ResetConnection, Times: 2},
	} {
		f.srv.InjectFault(fl)
	}
	win := Window{To: f.to}
	m, err := f.run(t, f.api, win)
	if err != nil {
		t.Fatalf("extract with faults failed: %v", err)
	}
	if m.RateLimited != 2 || m.ServerErrors != 3 || m.Retries < 7 || m.NetErrors < 2 {
		t.Errorf("manifest counts = %+v; want 2 rate-limited, 3 server errors, >= 7 retries, >= 2 network errors", m)
	}
	if got := f.count(t, "SELECT count(DISTINCT id) FROM raw.harvest_time_entries WHERE extract_id = ?", m.ExtractID); got != len(f.acct.TimeEntries) {
		t.Errorf("landed %d distinct entries, want %d", got, len(f.acct.TimeEntries))
	}
}

// A record moving while we page shows up twice in raw (staging keeps the latest); none is lost.
func TestHarvestExtractKeepsShiftedDuplicatesRaw(t *testing.T) {
	f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 5, TimeEntries: 5000})
	f.srv.InjectFault(harvesttest.Fault{PathPrefix: "/v2/time_entries", Kind: harvesttest.ShiftRecords, AfterPages: 1, Times: 1})
	m, err := f.run(t, f.api, Window{To: f.to})
	if err != nil {
		t.Fatal(err)
	}
	rows := f.count(t, "SELECT count(*) FROM raw.harvest_time_entries WHERE extract_id = ?", m.ExtractID)
	distinct := f.count(t, "SELECT count(DISTINCT id) FROM raw.harvest_time_entries WHERE extract_id = ?", m.ExtractID)
	if rows <= distinct {
		t.Errorf("rows %d, distinct %d: the shifted record's duplicate was not kept raw", rows, distinct)
	}
	// The record inserted at the front after page 1 was read is missed by this walk (the next
	// run reads it); every record that existed when the walk began must be there.
	if want := len(f.acct.TimeEntries); distinct != want {
		t.Errorf("distinct entries %d, account had %d: a record was lost while paging", distinct, want)
	}
}

func TestHarvestExtractWithoutAdminSkipsRoles(t *testing.T) {
	f := newFixture(t, harvesttest.Options{NonAdmin: true}, harvesttest.GenerateOptions{Seed: 6, TimeEntries: 200})
	m, err := f.run(t, f.api, Window{From: f.to.AddDate(0, 0, -10), To: f.to})
	if err != nil {
		t.Fatalf("extract without admin rights failed: %v", err)
	}
	if len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "roles not read") {
		t.Errorf("notes = %q, want one about roles", m.Notes)
	}
	if got := f.count(t, "SELECT count(*) FROM raw.harvest_roles"); got != 0 {
		t.Errorf("%d roles landed without access", got)
	}
}

func TestHarvestExtractWrongCredentialsFailsAtOnce(t *testing.T) {
	f := newFixture(t, harvesttest.Options{}, harvesttest.GenerateOptions{Seed: 7, TimeEntries: 50})
	api := f.srv.Client(t, harvest.Config{AccessToken: "wrong", Clock: testkit.NewFakeClock(faultsStart)})
	_, err := f.run(t, api, Window{To: f.to})
	if !errors.Is(err, harvest.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	// Listings run concurrently: each may have sent its first request, none retried.
	if n := len(f.srv.Requests()); n < 1 || n > len(harvestResources) {
		t.Errorf("%d requests sent with a wrong token, want 1 to %d (no retries)", n, len(harvestResources))
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// R17 a: an incomplete time_entries listing fails the extract with the client's error, which
// the pipelines can errors.As, and the extract is marked failed.
func TestHarvestExtractIncompleteListingFailsR17a(t *testing.T) {
	for _, fault := range []harvesttest.Fault{
		{PathPrefix: "/v2/time_entries", Kind: harvesttest.CutShort, AfterPages: 2, Times: harvesttest.EveryRequest},
		{PathPrefix: "/v2/time_entries", Kind: harvesttest.EmptyPage, AfterPages: 1},
	} {
		t.Run(fault.Kind.String(), func(t *testing.T) {
			f := newFixture(t, harvesttest.Options{MaxPerPage: 100}, harvesttest.GenerateOptions{Seed: 8, TimeEntries: 600})
			f.srv.InjectFault(fault)
			m, err := f.run(t, f.api, Window{To: f.to})
			var inc *harvest.IncompleteListingError
			if !errors.As(err, &inc) || !errors.Is(err, harvest.ErrIncompleteListing) {
				t.Fatalf("err = %v, want an IncompleteListingError", err)
			}
			if inc.Resource != harvest.TimeEntries || inc.AnnouncedEntries != len(f.acct.TimeEntries) || inc.ReceivedEntries >= inc.AnnouncedEntries {
				t.Errorf("error %+v", inc)
			}
			var status, msg string
			if err := f.w.DB.QueryRow("SELECT status, error FROM meta.extracts WHERE extract_id = ?", m.ExtractID).Scan(&status, &msg); err != nil ||
				status != "failed" || !strings.Contains(msg, "listing is incomplete") {
				t.Fatalf("extract recorded as %q (%q), %v", status, msg, err)
			}
			if _, err := f.w.UsableExtract(context.Background(), m.RunID, "harvest"); err == nil {
				t.Fatal("a later stage could use the incomplete extract")
			}
		})
	}
}

// A record that breaks the documented shape is named with its id and field (issue 9: hours
// null failed as `strconv.ParseFloat: parsing ""`).
func TestDecodeNamesRecordAndField(t *testing.T) {
	entry := func(field string) string { // field is `"key":value`, replacing the key's usual value
		keys := []string{"spent_date", "user", "client", "project", "task", "hours", "created_at", "updated_at"}
		values := []string{`"2025-06-02"`, `{"id":1}`, `{"id":1}`, `{"id":2}`, `{"id":3}`, `1.5`, `"2025-06-02T10:00:00Z"`, `"2025-06-02T10:00:00Z"`}
		record := func(id int, override string) string {
			parts := []string{fmt.Sprintf(`"id":%d`, id)}
			for i, k := range keys {
				if strings.HasPrefix(override, `"`+k+`":`) {
					parts = append(parts, override)
				} else {
					parts = append(parts, `"`+k+`":`+values[i])
				}
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
		return `{"time_entries":[` + record(7, "") + "," + record(123, field) + `]}`
	}
	for _, tc := range []struct {
		name string
		res  harvest.Resource
		body string
		want string
	}{
		{"hours null", harvest.TimeEntries, entry(`"hours":null`), "time entry 123: hours is null"},
		{"hours missing", harvest.TimeEntries, `{"time_entries":[{"id":123,"spent_date":"2025-06-02","user":{"id":1},"project":{"id":2}}]}`, "time entry 123: hours is missing"},
		{"hours not a number", harvest.TimeEntries, entry(`"hours":"lots"`), "time entry 123: hours"},
		{"spent_date null", harvest.TimeEntries, entry(`"spent_date":null`), "time entry 123: spent_date is null"},
		{"spent_date not a date", harvest.TimeEntries, entry(`"spent_date":"02/06/2025"`), `time entry 123: spent_date "02/06/2025" is not a YYYY-MM-DD date`},
		{"user missing", harvest.TimeEntries, entry(`"user":null`), "time entry 123: user.id is null or missing"},
		{"updated_at not a time", harvest.TimeEntries, entry(`"updated_at":"yesterday"`), "time entry 123: updated_at \"yesterday\""},
		{"user weekly_capacity a string", harvest.Users, `{"users":[{"id":9,"weekly_capacity":"full"}]}`, `user 9: weekly_capacity "full"`},
		{"project hourly_rate an object", harvest.Projects, `{"projects":[{"id":5,"hourly_rate":{}}]}`, "project 5: hourly_rate {}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeHarvestPage(tc.res, 1, []byte(tc.body), &collected{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "ParseFloat") && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v names neither the record nor the field", err)
			}
		})
	}
}

// An absurd but finite number of hours lands as sent: staging excludes its day as more than 24 h
// (R7, R9); refusing it here would stop the whole extract for one entry.
func TestHugeHoursLand(t *testing.T) {
	var got collected
	body := `{"time_entries":[{"id":123,"spent_date":"2025-06-02","user":{"id":1},"client":{"id":3},"project":{"id":2},` +
		`"task":{"id":4},"hours":1e300,"created_at":"2025-06-02T10:00:00Z","updated_at":"2025-06-02T10:00:00Z"}]}`
	if err := decodeHarvestPage(harvest.TimeEntries, 1, []byte(body), &got); err != nil {
		t.Fatalf("1e300 hours: %v", err)
	}
	if len(got.rows) != 1 || !slices.Contains(got.rows[0].values, driver.Value("1e300")) {
		t.Fatalf("the entry did not land with its hours as sent: %+v", got.rows)
	}
}

// pagesAPI serves fixed page bodies per listing, for cases the fake server cannot produce.
type pagesAPI struct{ bodies map[harvest.Resource][]string }

func (a pagesAPI) List(ctx context.Context, res harvest.Resource, q url.Values, fn func(harvest.Page) error) error {
	bodies := a.bodies[res]
	if len(bodies) == 0 {
		bodies = []string{`{"` + string(res) + `":[]}`}
	}
	for i, b := range bodies {
		if err := fn(harvest.Page{Resource: res, Seq: i + 1, URL: "https://api.example/v2/" + string(res), Status: 200,
			Body: []byte(b), FetchedAt: time.Now(), Records: strings.Count(b, `"spent_date"`)}); err != nil {
			return err
		}
	}
	return nil
}

func (pagesAPI) Stats() harvest.Stats { return harvest.Stats{} }

// Two copies of one entry with the same updated_at and different content are warned, with both
// versions, and counted in the notes; copies that agree, or where one is newer, are not.
func TestHarvestExtractWarnsConflictingDuplicates(t *testing.T) {
	te := func(id int64, hours, date string, user int64, updated string) string {
		return fmt.Sprintf(`{"id":%d,"spent_date":%q,"user":{"id":%d},"client":{"id":1},"project":{"id":2},"task":{"id":3},"hours":%s,"billable":true,`+
			`"created_at":"2025-06-02T10:00:00Z","updated_at":%q}`, id, date, user, hours, updated)
	}
	page := func(entries ...string) string { return `{"time_entries":[` + strings.Join(entries, ",") + `]}` }
	const at, later = "2025-06-02T10:00:00Z", "2025-06-03T08:00:00Z"
	api := pagesAPI{bodies: map[harvest.Resource][]string{harvest.TimeEntries: {
		page(te(1, "1.5", "2025-06-02", 10, at), te(2, "2.0", "2025-06-02", 10, at), te(3, "1.0", "2025-06-02", 10, at), te(4, "4.0", "2025-06-02", 10, at)),
		page(te(1, "3.25", "2025-06-02", 10, at), te(2, "2.0", "2025-06-02", 10, at), te(3, "7.0", "2025-06-02", 10, later), te(4, "4.0", "2025-06-04", 11, at)),
	}}}
	w := testwarehouse.Open(t)
	r, err := w.StartRun(context.Background(), "extract", time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	m, err := Harvest(context.Background(), w, api, HarvestOptions{RunID: r.ID, Window: Window{To: time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC)},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	warned := map[string]string{}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "conflicting copies") {
			id := line[strings.Index(line, "time_entry=")+len("time_entry="):]
			id, _, _ = strings.Cut(id, " ")
			warned[id] = line
		}
	}
	if len(warned) != 2 {
		t.Fatalf("warned about %d entries, want 1 and 4 (2 agrees, 3 has a newer copy):\n%s", len(warned), logs)
	}
	for id, want := range map[string][]string{
		"1": {"hours=1.5 spent_date=2025-06-02 user=10 project=2 task=3 billable=true updated_at=2025-06-02T10:00:00Z (page 1)", "hours=3.25", "(page 2)"},
		"4": {"spent_date=2025-06-04 user=11", "hours=4.0 spent_date=2025-06-02 user=10"},
	} {
		for _, w := range want {
			if !strings.Contains(warned[id], w) {
				t.Errorf("warning for entry %s lacks %q: %s", id, w, warned[id])
			}
		}
	}
	if len(m.Notes) != 1 || !strings.HasPrefix(m.Notes[0], "2 time entries came in conflicting copies") {
		t.Errorf("notes = %q", m.Notes)
	}
	var notes string
	if err := w.DB.Get(&notes, "SELECT notes FROM meta.extracts WHERE extract_id = ?", m.ExtractID); err != nil || !strings.Contains(notes, "conflicting copies") {
		t.Errorf("meta.extracts notes = %q, %v", notes, err)
	}
}
