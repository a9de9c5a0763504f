// Package extract fetches what both APIs hold and lands it, as received, in the warehouse's raw
// tables: every page body byte for byte, and its records decoded into typed rows. An extract
// that fails is marked failed and is never read by a later stage.
package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/internal/httpx"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// HarvestAPI is what the extract needs of the Harvest client.
type HarvestAPI interface {
	List(ctx context.Context, res harvest.Resource, query url.Values, fn func(harvest.Page) error) error
	Stats() harvest.Stats
}

// Window is the spent-date range of the time entries to extract (R10). A zero From means the
// whole history.
type Window struct {
	From, To time.Time
}

func (w Window) String() string {
	if w.From.IsZero() {
		return "all history to " + w.To.Format(time.DateOnly)
	}
	return w.From.Format(time.DateOnly) + " to " + w.To.Format(time.DateOnly)
}

// Progress receives one call per landed page; a terminal shows a bar, a log shows lines.
type Progress interface {
	Page(source, resource string, seq, totalPages, records int)
}

// HarvestOptions configure one Harvest extract.
type HarvestOptions struct {
	RunID    int64
	Window   Window
	Progress Progress // may be nil
	// Landing is shared with the extracts landing at the same time; nil: the extract's own.
	Landing *Landing
	Logger  *slog.Logger
}

// Manifest describes one extract: what it asked for, what it got and what it cost.
type Manifest struct {
	ExtractID    int64            `json:"extract_id"`
	RunID        int64            `json:"run_id"`
	Source       string           `json:"source"`
	Status       string           `json:"status"`
	Window       string           `json:"window,omitempty"`
	Requests     int64            `json:"requests"`
	Retries      int64            `json:"retries"`
	RateLimited  int64            `json:"rate_limited"`
	ServerErrors int64            `json:"server_errors"`
	NetErrors    int64            `json:"network_errors"`
	Pages        int64            `json:"pages"`
	Records      int64            `json:"records"`
	Bytes        int64            `json:"bytes"`
	StoredBytes  int64            `json:"stored_bytes"`
	Duration     time.Duration    `json:"duration_ns"`
	PerResource  map[string]int64 `json:"records_per_resource"`
	Notes        []string         `json:"notes,omitempty"`
}

// harvestResources are fetched in this order; dimensions are small and fully re-read every run
// (Harvest reports no deletions, and attribute changes don't bump dependent records).
var harvestResources = []harvest.Resource{
	harvest.Users, harvest.Roles, harvest.Clients, harvest.Projects, harvest.Tasks,
	harvest.UserAssignments, harvest.TimeEntries,
}

// Harvest extracts the Harvest account into the warehouse under a new extract of run
// opts.RunID. On any error the extract is marked failed and the error says which URL and why.
func Harvest(ctx context.Context, w *warehouse.Warehouse, api HarvestAPI, opts HarvestOptions) (Manifest, error) {
	counters := func() httpx.Stats { return api.Stats().Stats }
	return runExtract(ctx, w, "harvest", opts.RunID, opts.Window, opts.Landing, counters, func(l *lander, m *Manifest) error {
		log := orDiscard(opts.Logger)
		if err := landHarvest(ctx, l, api, opts, m, log); err != nil {
			return err
		}
		return reportConflicts(ctx, w, l, m, log)
	})
}

// landHarvest lands every listing. An incomplete listing (R17 a) comes out as the
// *harvest.IncompleteListingError it is, wrapped, so that the pipelines can errors.As it.
func landHarvest(ctx context.Context, l *lander, api HarvestAPI, opts HarvestOptions, m *Manifest, log *slog.Logger) error {
	// All listings run at once under the client's one limiter: the dimensions are a few pages
	// each, and fetching them before the time entries would leave the first rate-limit window
	// half used (docs/benchmarks.md).
	var notes sync.Mutex
	return l.landAll(ctx, func(ctx context.Context, submit func(pageJob) error) error {
		g, gctx := errgroup.WithContext(ctx)
		for _, res := range harvestResources {
			q := url.Values{}
			// Time entries are read from the window's first day with no upper bound: time dated
			// after today is not sent, but it is reported (R9), so it must be read.
			if res == harvest.TimeEntries && !opts.Window.From.IsZero() {
				q.Set("from", opts.Window.From.Format(time.DateOnly))
			}
			g.Go(func() error {
				log.Info("extracting", "source", "harvest", "resource", string(res))
				err := api.List(gctx, res, q, func(p harvest.Page) error {
					return submit(pageJob{
						page: rawPage{Resource: string(p.Resource), Seq: p.Seq, URL: p.URL, Status: p.Status,
							FetchedAt: p.FetchedAt, Duration: p.Duration, Attempts: p.Attempts, Records: p.Records, Body: p.Body},
						decode: func(body []byte, sink rowSink) error { return decodeHarvestPage(res, p.Seq, body, sink) },
						landed: func() {
							m.Pages++
							m.Records += int64(p.Records)
							m.Bytes += int64(len(p.Body))
							m.PerResource[string(res)] += int64(p.Records)
							if opts.Progress != nil {
								opts.Progress.Page("harvest", string(res), p.Seq, p.TotalPages, p.Records)
							}
						},
					})
				})
				if res == harvest.Roles && errors.Is(err, harvest.ErrForbidden) {
					// Roles are optional (R6 matches by the users' role names without them).
					note := "roles not read: the Harvest token is not an administrator's, so created Runn roles carry no Harvest reference (R6)"
					log.Warn(note)
					notes.Lock()
					m.Notes = append(m.Notes, note)
					notes.Unlock()
					return nil
				}
				if err != nil {
					return fmt.Errorf("extract Harvest %s: %w", res, err)
				}
				return nil
			})
		}
		return g.Wait()
	})
}

// decodeHarvestPage decodes a page of res into rows for sink. A record that does not decode is named with its id and field. Each append*Row below
// lists the table's columns in 002_raw_harvest.sql's order; TestDecodersLandEveryColumnByName
// fails if they drift apart.
func decodeHarvestPage(res harvest.Resource, seq int, body []byte, l rowSink) error {
	malformed := func(err error) error { return recordError(res, body, err) }
	switch res {
	case harvest.Users:
		var env struct{ Users []harvest.User }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.Users, appendHarvestUser)
	case harvest.Roles:
		var env struct{ Roles []harvest.Role }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.Roles, appendHarvestRole)
	case harvest.Clients:
		var env struct{ Clients []harvest.Client }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.Clients, appendHarvestClient)
	case harvest.Projects:
		var env struct{ Projects []harvest.Project }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.Projects, appendHarvestProject)
	case harvest.Tasks:
		var env struct{ Tasks []harvest.Task }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.Tasks, appendHarvestTask)
	case harvest.UserAssignments:
		var env struct {
			UserAssignments []harvest.UserAssignment `json:"user_assignments"`
		}
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.UserAssignments, appendHarvestUserAssignment)
	case harvest.TimeEntries:
		var env struct {
			TimeEntries []landedTimeEntry `json:"time_entries"`
		}
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		return appendRows(l, env.TimeEntries, appendTimeEntry)
	default:
		return fmt.Errorf("no raw table for Harvest resource %q", res)
	}
}

func appendHarvestUser(l rowSink, u *harvest.User) error {
	return l.appendRow("harvest_users", u.ID, u.FirstName, u.LastName, u.Email, u.Telephone,
		u.Timezone, u.IsContractor, u.IsActive, u.WeeklyCapacity, num(u.DefaultHourlyRate), num(u.CostRate),
		nonNil(u.Roles), nonNil(u.AccessRoles), ts(u.CreatedAt), ts(u.UpdatedAt))
}

func appendHarvestRole(l rowSink, r *harvest.Role) error {
	ids := r.UserIDs
	if ids == nil {
		ids = []int64{}
	}
	return l.appendRow("harvest_roles", r.ID, r.Name, ids, ts(r.CreatedAt), ts(r.UpdatedAt))
}

func appendHarvestClient(l rowSink, c *harvest.Client) error {
	return l.appendRow("harvest_clients", c.ID, c.Name, c.IsActive, c.Currency, ts(c.CreatedAt), ts(c.UpdatedAt))
}

func appendHarvestProject(l rowSink, pr *harvest.Project) error {
	var clientID, clientName any
	if pr.Client != nil {
		clientID, clientName = pr.Client.ID, pr.Client.Name
	}
	starts, err := date(pr.StartsOn)
	if err != nil {
		return fmt.Errorf("project %d starts_on: %w", pr.ID, err)
	}
	ends, err := date(pr.EndsOn)
	if err != nil {
		return fmt.Errorf("project %d ends_on: %w", pr.ID, err)
	}
	return l.appendRow("harvest_projects", pr.ID, clientID, clientName, pr.Name, str(pr.Code),
		pr.IsActive, pr.IsBillable, pr.IsFixedFee, pr.BillBy, num(pr.HourlyRate), num(pr.Budget), pr.BudgetBy,
		pr.BudgetIsMonthly, num(pr.CostBudget), num(pr.Fee), starts, ends, ts(pr.CreatedAt), ts(pr.UpdatedAt))
}

func appendHarvestTask(l rowSink, t *harvest.Task) error {
	return l.appendRow("harvest_tasks", t.ID, t.Name, t.BillableByDefault, t.IsDefault, t.IsActive,
		ts(t.CreatedAt), ts(t.UpdatedAt))
}

func appendHarvestUserAssignment(l rowSink, a *harvest.UserAssignment) error {
	return l.appendRow("harvest_user_assignments", a.ID, a.Project.ID, a.User.ID, a.IsActive,
		a.IsProjectManager, num(a.HourlyRate), num(a.Budget), ts(a.CreatedAt), ts(a.UpdatedAt))
}

// landedTimeEntry holds the fields of a time entry that raw.harvest_time_entries keeps. Time
// entries are nearly all of an extract's volume, and decoding only these halves the CPU a page
// costs (docs/benchmarks.md); the page body keeps everything else.
type landedTimeEntry struct {
	ID             int64        `json:"id"`
	SpentDate      string       `json:"spent_date"`
	User           idOnly       `json:"user"`
	Client         idOnly       `json:"client"`
	Project        idOnly       `json:"project"`
	Task           idOnly       `json:"task"`
	UserAssignment *idOnly      `json:"user_assignment"`
	TaskAssignment *idOnly      `json:"task_assignment"`
	Hours          json.Number  `json:"hours"`
	RoundedHours   *json.Number `json:"rounded_hours"`
	IsRunning      bool         `json:"is_running"`
	Billable       bool         `json:"billable"`
	IsLocked       bool         `json:"is_locked"`
	IsClosed       bool         `json:"is_closed"`
	IsBilled       bool         `json:"is_billed"`
	BillableRate   *json.Number `json:"billable_rate"`
	CostRate       *json.Number `json:"cost_rate"`
	Notes          *string      `json:"notes"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

type idOnly struct {
	ID int64 `json:"id"`
}

func appendTimeEntry(l rowSink, e *landedTimeEntry) error {
	if e.ID == 0 {
		return fmt.Errorf("a time entry has no id (spent_date %q, user %d, project %d): Harvest sent a record it should not have", e.SpentDate, e.User.ID, e.Project.ID)
	}
	if e.SpentDate == "" {
		return fmt.Errorf("time entry %d: spent_date is null or missing", e.ID)
	}
	spent, err := time.Parse(time.DateOnly, e.SpentDate)
	if err != nil {
		return fmt.Errorf("time entry %d: spent_date %q is not a YYYY-MM-DD date", e.ID, e.SpentDate)
	}
	if e.Hours == "" {
		return fmt.Errorf("time entry %d: hours is missing", e.ID)
	}
	if h, err := strconv.ParseFloat(e.Hours.String(), 64); err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		// Absurd but finite values land: staging excludes them as more than 24 h in one day
		// (R7, R9), so that one bad entry does not stop the extract.
		return fmt.Errorf("time entry %d: hours %q is not a number of hours", e.ID, e.Hours)
	}
	if e.User.ID == 0 {
		return fmt.Errorf("time entry %d: user.id is null or missing", e.ID)
	}
	if e.Project.ID == 0 {
		return fmt.Errorf("time entry %d: project.id is null or missing", e.ID)
	}
	var uaID, taID any
	if e.UserAssignment != nil {
		uaID = e.UserAssignment.ID
	}
	if e.TaskAssignment != nil {
		taID = e.TaskAssignment.ID
	}
	return l.appendRow("harvest_time_entries", e.ID, spent, e.User.ID, e.Client.ID, e.Project.ID, e.Task.ID,
		uaID, taID, e.Hours.String(), num(e.RoundedHours), e.IsRunning, e.Billable, e.IsLocked, e.IsClosed,
		e.IsBilled, num(e.BillableRate), num(e.CostRate), str(e.Notes), ts(e.CreatedAt), ts(e.UpdatedAt))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func malformed(err error) error {
	return fmt.Errorf("records do not match Harvest's documented shape: %w", err)
}

// recordKinds name a record of each listing in messages, and give a value it decodes into.
var recordKinds = map[harvest.Resource]struct {
	name string
	new  func() any
}{
	harvest.Users:           {"user", func() any { return new(harvest.User) }},
	harvest.Roles:           {"role", func() any { return new(harvest.Role) }},
	harvest.Clients:         {"client", func() any { return new(harvest.Client) }},
	harvest.Projects:        {"project", func() any { return new(harvest.Project) }},
	harvest.Tasks:           {"task", func() any { return new(harvest.Task) }},
	harvest.UserAssignments: {"user assignment", func() any { return new(harvest.UserAssignment) }},
	harvest.TimeEntries:     {"time entry", func() any { return new(landedTimeEntry) }},
}

// recordError turns the error of decoding a whole page into one that names the record and the
// field (time entry 123: hours is null), by decoding the records, then the failing record's
// fields, one at a time. Only a failed page pays for it.
func recordError(res harvest.Resource, body []byte, pageErr error) error {
	kind, ok := recordKinds[res]
	if !ok {
		return malformed(pageErr)
	}
	var env map[string]json.RawMessage
	var records []json.RawMessage
	if gojson.Unmarshal(body, &env) != nil || gojson.Unmarshal(env[string(res)], &records) != nil {
		return malformed(pageErr)
	}
	for _, rec := range records {
		if gojson.Unmarshal(rec, kind.new()) == nil {
			continue
		}
		var fields map[string]json.RawMessage
		if gojson.Unmarshal(rec, &fields) != nil {
			return malformed(fmt.Errorf("a %s is not a JSON object: %w", kind.name, pageErr))
		}
		id := "without an id"
		if raw, ok := fields["id"]; ok {
			id = string(raw)
		}
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			one, _ := json.Marshal(map[string]json.RawMessage{name: fields[name]}) // raw messages of a decoded object always encode
			err := gojson.Unmarshal(one, kind.new())
			if err == nil {
				continue
			}
			if string(fields[name]) == "null" {
				return fmt.Errorf("%s %s: %s is null", kind.name, id, name)
			}
			return fmt.Errorf("%s %s: %s %s is not what Harvest documents: %w", kind.name, id, name, excerpt(fields[name]), err)
		}
		return malformed(fmt.Errorf("%s %s: %w", kind.name, id, pageErr))
	}
	return malformed(pageErr)
}

// excerpt is the start of a JSON value, for a message.
func excerpt(raw json.RawMessage) string {
	const limit = 60
	if len(raw) <= limit {
		return string(raw)
	}
	return string(raw[:limit]) + "…"
}

// entryCopy is one landed copy of a time entry.
type entryCopy struct {
	ID        int64     `db:"id"`
	PageSeq   int       `db:"page_seq"`
	Hours     string    `db:"hours"`
	SpentDate string    `db:"spent_date"`
	UserID    int64     `db:"user_id"`
	ProjectID int64     `db:"project_id"`
	TaskID    int64     `db:"task_id"`
	Billable  bool      `db:"billable"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (c entryCopy) content() string {
	return fmt.Sprintf("hours=%s spent_date=%s user=%d project=%d task=%d billable=%t", c.Hours, c.SpentDate, c.UserID, c.ProjectID, c.TaskID, c.Billable)
}

func (c entryCopy) String() string {
	return fmt.Sprintf("%s updated_at=%s (page %d)", c.content(), c.UpdatedAt.UTC().Format(time.RFC3339), c.PageSeq)
}

// maxConflictWarnings bounds the warning lines; the note counts them all.
const maxConflictWarnings = 100

// reportConflicts warns once per time entry that came in conflicting copies (the same id and
// updated_at with different content), with the copies, and counts them in the extract's notes.
// Staging keeps one copy of each id (the latest updated_at, then the earliest page), which is
// right when a record moved while the listing was read, but picks silently when the copies
// disagree and neither is newer. The copies are found in the landed rows, in DuckDB, rather than
// tracked in Go while landing: a million entries would cost tens of MB of map.
func reportConflicts(ctx context.Context, w *warehouse.Warehouse, l *lander, m *Manifest, log *slog.Logger) error {
	// The copies are read back through another connection: what was appended must be
	// committed first.
	if err := l.flush(); err != nil {
		return err
	}
	var copies []entryCopy
	// Most extracts hold each id once: the ids seen twice are found first, so that only their few
	// rows are compared.
	err := w.DB.SelectContext(ctx, &copies, `WITH repeated AS (
			SELECT id FROM raw.harvest_time_entries WHERE extract_id = $1 GROUP BY id HAVING count(*) > 1
		),
		latest AS (
			SELECT id, page_seq, hours, strftime(spent_date, '%Y-%m-%d') AS spent_date,
				user_id, project_id, task_id, billable, updated_at
			FROM raw.harvest_time_entries
			WHERE extract_id = $1 AND id IN (SELECT id FROM repeated) AND updated_at IS NOT NULL
			QUALIFY updated_at = max(updated_at) OVER (PARTITION BY id)
		)
		SELECT * FROM latest
		WHERE id IN (SELECT id FROM latest GROUP BY id
			HAVING count(DISTINCT (hours, spent_date, user_id, project_id, task_id, billable)) > 1)
		ORDER BY id, page_seq`, l.extractID)
	if err != nil {
		return fmt.Errorf("look for time entries sent in conflicting copies: %w", err)
	}
	conflicts := 0
	for i := 0; i < len(copies); {
		j := i
		for j < len(copies) && copies[j].ID == copies[i].ID {
			j++
		}
		group := copies[i:j]
		kept, others := group[0], []string{}
		for _, c := range group[1:] {
			if c.content() != kept.content() {
				others = append(others, c.String())
			}
		}
		if len(others) > 0 {
			conflicts++
			if conflicts <= maxConflictWarnings {
				log.WarnContext(ctx, "harvest: time entry sent in conflicting copies with the same updated_at; staging keeps the one on the earliest page",
					"time_entry", kept.ID, "kept", kept.String(), "dropped", strings.Join(others, "; "))
			}
		}
		i = j
	}
	if conflicts > maxConflictWarnings {
		log.WarnContext(ctx, "harvest: more time entries sent in conflicting copies", "not_shown", conflicts-maxConflictWarnings)
	}
	if conflicts > 0 {
		m.Notes = append(m.Notes, fmt.Sprintf("%d time entries came in conflicting copies (same id and updated_at, different hours, date, person, project, task or billable); "+
			"staging keeps the copy on the earliest page: see the warnings, and check those entries in Harvest", conflicts))
	}
	return nil
}
