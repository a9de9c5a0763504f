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
	"net/url"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/harvest"
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
	Logger   *slog.Logger
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
	counters := func() apiCounters {
		s := api.Stats()
		return apiCounters{s.Requests, s.Retries, s.RateLimited, s.ServerErrors, s.NetworkErrors}
	}
	return runExtract(ctx, w, "harvest", opts.RunID, opts.Window, counters, func(l *lander, m *Manifest) error {
		return landHarvest(ctx, l, api, opts, m, orDiscard(opts.Logger))
	})
}

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
						decode: func(body []byte, sink rowSink) error { return decodeHarvestRecords(res, p.Seq, body, sink) },
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

func decodeHarvestRecords(res harvest.Resource, seq int, body []byte, l rowSink) error {
	switch res {
	case harvest.Users:
		var env struct{ Users []harvest.User }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, u := range env.Users {
			if err := l.appendRow("harvest_users", u.ID, u.FirstName, u.LastName, u.Email, u.Telephone,
				u.Timezone, u.IsContractor, u.IsActive, u.WeeklyCapacity, num(u.DefaultHourlyRate), num(u.CostRate),
				nonNil(u.Roles), nonNil(u.AccessRoles), ts(u.CreatedAt), ts(u.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.Roles:
		var env struct{ Roles []harvest.Role }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, r := range env.Roles {
			ids := r.UserIDs
			if ids == nil {
				ids = []int64{}
			}
			if err := l.appendRow("harvest_roles", r.ID, r.Name, ids, ts(r.CreatedAt), ts(r.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.Clients:
		var env struct{ Clients []harvest.Client }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, c := range env.Clients {
			if err := l.appendRow("harvest_clients", c.ID, c.Name, c.IsActive, c.Currency, ts(c.CreatedAt), ts(c.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.Projects:
		var env struct{ Projects []harvest.Project }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, pr := range env.Projects {
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
			if err := l.appendRow("harvest_projects", pr.ID, clientID, clientName, pr.Name, str(pr.Code),
				pr.IsActive, pr.IsBillable, pr.IsFixedFee, pr.BillBy, num(pr.HourlyRate), num(pr.Budget), pr.BudgetBy,
				pr.BudgetIsMonthly, num(pr.CostBudget), num(pr.Fee), starts, ends, ts(pr.CreatedAt), ts(pr.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.Tasks:
		var env struct{ Tasks []harvest.Task }
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, t := range env.Tasks {
			if err := l.appendRow("harvest_tasks", t.ID, t.Name, t.BillableByDefault, t.IsDefault, t.IsActive,
				ts(t.CreatedAt), ts(t.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.UserAssignments:
		var env struct {
			UserAssignments []harvest.UserAssignment `json:"user_assignments"`
		}
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for _, a := range env.UserAssignments {
			if err := l.appendRow("harvest_user_assignments", a.ID, a.Project.ID, a.User.ID, a.IsActive,
				a.IsProjectManager, num(a.HourlyRate), num(a.Budget), ts(a.CreatedAt), ts(a.UpdatedAt)); err != nil {
				return err
			}
		}
	case harvest.TimeEntries:
		var env struct {
			TimeEntries []landedTimeEntry `json:"time_entries"`
		}
		if err := gojson.Unmarshal(body, &env); err != nil {
			return malformed(err)
		}
		for i := range env.TimeEntries {
			if err := appendTimeEntry(l, &env.TimeEntries[i]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("no raw table for Harvest resource %q", res)
	}
	return nil
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
	spent, err := time.Parse(time.DateOnly, e.SpentDate)
	if err != nil {
		return fmt.Errorf("time entry %d: spent_date %q is not a date", e.ID, e.SpentDate)
	}
	if e.Hours == "" {
		return fmt.Errorf("time entry %d has no hours", e.ID)
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
