package extract

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	"golang.org/x/sync/errgroup"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/warehouse"
)

// RunnAPI is what the snapshot needs of the Runn client.
type RunnAPI interface {
	ListPages(ctx context.Context, ep runn.Endpoint, query url.Values, fn func(runn.Page) error) error
	Stats() runn.Stats
}

// RunnOptions configure one Runn snapshot.
type RunnOptions struct {
	RunID int64
	// ActualsWindow bounds the actuals read (the run's R10 window). Assignments are read whatever
	// their dates, since R8 (b) looks beyond the window.
	ActualsWindow Window
	// Split is the split of the actuals started ahead (StartRunnSplit) for ActualsWindow; nil: the
	// snapshot reads it itself.
	Split    *RunnSplit
	Progress Progress
	// Landing is shared with the extracts landing at the same time; nil: the snapshot's own.
	Landing *Landing
	Logger  *slog.Logger
}

// Runn lands a snapshot of what Runn holds, before the run changes anything, under a new
// extract of run opts.RunID.
func Runn(ctx context.Context, w *warehouse.Warehouse, api RunnAPI, opts RunnOptions) (Manifest, error) {
	split := opts.Split
	if split == nil {
		// Waited for whatever happens, so that no query outlives the extract.
		split = StartRunnSplit(ctx, w, opts.ActualsWindow, opts.Logger)
		defer split.Wait()
	}
	return runExtract(ctx, w, "runn", opts.RunID, opts.ActualsWindow, opts.Landing, api.Stats, func(l *lander, m *Manifest) error {
		return landRunn(ctx, l, api, opts, split, m, orDiscard(opts.Logger))
	})
}

// RunnSplit is the split of a snapshot's actuals into date ranges (actualsRanges), read from the
// warehouse in the background: every listing of the snapshot waits for it, so a sync starts it as
// soon as the warehouse is open, while the run is registered.
type RunnSplit struct {
	done   chan struct{}
	ranges []actualsRange
}

// StartRunnSplit starts reading the split of the window's actuals. Wait must be called before the
// warehouse closes.
func StartRunnSplit(ctx context.Context, w *warehouse.Warehouse, win Window, log *slog.Logger) *RunnSplit {
	s := &RunnSplit{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.ranges = actualsRanges(ctx, w, win, orDiscard(log))
	}()
	return s
}

// Wait waits until the split is read.
func (s *RunnSplit) Wait() { <-s.done }

// runnListing is one listing of the snapshot: an endpoint and its query (actuals: one date
// range, read from one end when meet is set).
type runnListing struct {
	ep   runn.Endpoint
	q    url.Values
	meet *meeting // shared by the two ends of a range of actuals; nil: read from first to last
	desc bool     // the descending end
}

// runnListings are the snapshot's listings but actuals.
func runnListings() []runnListing {
	var out []runnListing
	for _, ep := range runn.Endpoints() {
		if ep != runn.EndpointActuals {
			out = append(out, runnListing{ep: ep, q: url.Values{}})
		}
	}
	return out
}

// actualsListings are the listings of the actuals: their ranges, each read from one or both
// ends as rangeReads says.
func actualsListings(ranges []actualsRange) []runnListing {
	var out []runnListing
	ep := runn.EndpointActuals
	size := int64(ep.MaxLimit())
	for _, r := range ranges {
		q := url.Values{}
		if !r.From.IsZero() {
			q.Set("minDate", r.From.Format(time.DateOnly))
		}
		q.Set("maxDate", r.To.Format(time.DateOnly))
		if !bothEnds(r.records, size) {
			out = append(out, runnListing{ep: ep, q: q})
			continue
		}
		m := newMeeting(pagesOf(r.records, size))
		out = append(out, runnListing{ep: ep, q: q, meet: m}, runnListing{ep: ep, q: descending(q), meet: m, desc: true})
	}
	return out
}

// landRunn reads every listing at once under the client's one limiter, which paces them to the
// window Runn announces: one listing after another, a no-change day would take the sum of the
// listings' round trips instead of what the rate limit allows. The actuals' listings start once
// split gives their ranges, the others at once. The pages of one resource are numbered in the
// order they arrive, across its date ranges and ends.
func landRunn(ctx context.Context, l *lander, api RunnAPI, opts RunnOptions, split *RunnSplit, m *Manifest, log *slog.Logger) error {
	var seqMu sync.Mutex
	seqs := map[runn.Endpoint]int{}
	nextSeq := func(ep runn.Endpoint) int {
		seqMu.Lock()
		defer seqMu.Unlock()
		seqs[ep]++
		return seqs[ep]
	}
	var actuals []runnListing
	err := l.landAll(ctx, func(ctx context.Context, submit func(pageJob) error) error {
		g, gctx := errgroup.WithContext(ctx)
		read := func(li runnListing) {
			g.Go(func() error { return readRunnListing(gctx, api, li, opts, m, nextSeq, submit, log) })
		}
		// The other listings need no split: they start at once, and the actuals once it is read
		// (on 2026-12-07's bench account, where the projects are the longest listing, waiting
		// for the split put the whole snapshot 20 to 50 ms later).
		for _, li := range runnListings() {
			read(li)
		}
		g.Go(func() error {
			select {
			case <-split.done:
			case <-gctx.Done():
				return gctx.Err()
			}
			actuals = actualsListings(split.ranges)
			for _, li := range actuals {
				read(li)
			}
			return nil
		})
		return g.Wait()
	})
	// The records both ends of a range read are landed twice and counted once.
	for _, li := range actuals {
		if li.meet != nil && li.desc {
			n := li.meet.overlap()
			m.Records -= n
			m.PerResource[string(li.ep)] -= n
		}
	}
	return err
}

// readRunnListing reads one listing, submitting each page to land.
func readRunnListing(ctx context.Context, api RunnAPI, li runnListing, opts RunnOptions, m *Manifest,
	nextSeq func(runn.Endpoint) int, submit func(pageJob) error, log *slog.Logger) error {
	ep := li.ep
	land := func(p runn.Page) error {
		seq := nextSeq(ep)
		return submit(pageJob{
			page: rawPage{Resource: string(ep), Seq: seq, URL: p.URL, Status: p.Status,
				FetchedAt: p.FetchedAt, Duration: p.Duration, Attempts: p.Attempts, Records: p.Count, Body: p.Body},
			decode: func(body []byte, sink rowSink) error { return decodeRunnRecords(ep, body, sink) },
			landed: func() {
				m.Pages++
				m.Records += int64(p.Count)
				m.Bytes += int64(len(p.Body))
				m.PerResource[string(ep)] += int64(p.Count)
				if opts.Progress != nil {
					opts.Progress.Page("runn", string(ep), seq, 0, p.Count)
				}
			},
		})
	}
	log.Info("extracting", "source", "runn", "resource", string(ep), "query", li.q.Encode())
	list := func(fn func(runn.Page) error) error { return api.ListPages(ctx, ep, li.q, fn) }
	var err error
	if li.meet != nil {
		err = li.meet.readEnd(ctx, li.desc, list, land)
	} else {
		err = list(land)
	}
	if err != nil {
		return fmt.Errorf("snapshot Runn %s (%s): %w", ep, li.q.Encode(), err)
	}
	return nil
}

func decodeValues[T any](body []byte) ([]T, error) {
	var env struct {
		Values []T `json:"values"`
	}
	if err := gojson.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("records do not match Runn's published shape: %w", err)
	}
	return env.Values, nil
}

// decodeRunnRecords appends a page of ep's records to its raw table, one row per record. Each
// append*Row below lists the table's columns in 003_raw_runn.sql's order; TestDecodersLandEveryColumnByName
// fails if they drift apart.
func decodeRunnRecords(ep runn.Endpoint, body []byte, l rowSink) error {
	switch ep {
	case runn.EndpointRoles:
		return decodeAndAppend(body, l, appendRunnRole)
	case runn.EndpointClients:
		return decodeAndAppend(body, l, appendRunnClient)
	case runn.EndpointProjects:
		return decodeAndAppend(body, l, appendRunnProject)
	case runn.EndpointPeople:
		return decodeAndAppend(body, l, appendRunnPerson)
	case runn.EndpointProjectTags:
		return decodeAndAppend(body, l, appendRunnProjectTag)
	case runn.EndpointContracts:
		return decodeAndAppend(body, l, appendRunnContract)
	case runn.EndpointAssignments:
		return decodeAndAppend(body, l, appendRunnAssignment)
	case runn.EndpointActuals:
		return decodeAndAppend(body, l, appendRunnActual)
	default:
		return fmt.Errorf("no raw table for Runn endpoint %q", ep)
	}
}

// decodeAndAppend decodes a page of Runn records of type T and appends each through row.
func decodeAndAppend[T any](body []byte, l rowSink, row func(rowSink, *T) error) error {
	vs, err := decodeValues[T](body)
	if err != nil {
		return err
	}
	return appendRows(l, vs, row)
}

// appendRows appends each record through row, stopping at the first error.
func appendRows[T any](l rowSink, records []T, row func(rowSink, *T) error) error {
	for i := range records {
		if err := row(l, &records[i]); err != nil {
			return err
		}
	}
	return nil
}

func appendRunnRole(l rowSink, r *runn.Role) error {
	return l.appendRow("runn_roles", r.ID, str(r.Name), r.IsArchived, r.DefaultHourCost, r.StandardRate,
		refs(r.References), ts(r.CreatedAt), ts(r.UpdatedAt))
}

func appendRunnClient(l rowSink, c *runn.Client) error {
	return l.appendRow("runn_clients", c.ID, c.Name, str(c.Website), c.IsArchived, refs(c.References),
		ts(c.CreatedAt), ts(c.UpdatedAt))
}

func appendRunnProject(l rowSink, pr *runn.Project) error {
	return l.appendRow("runn_projects", pr.ID, pr.Name, pr.ClientID, pr.IsTemplate, pr.IsArchived,
		pr.IsConfirmed, pr.PricingModel, f64(pr.Budget), refs(pr.References), tags(pr.Tags),
		ts(pr.CreatedAt), ts(pr.UpdatedAt))
}

func appendRunnPerson(l rowSink, pe *runn.Person) error {
	return l.appendRow("runn_people", pe.ID, pe.FirstName, pe.LastName, str(pe.Email), pe.IsArchived,
		refs(pe.References), tags(pe.Tags), ts(pe.CreatedAt), ts(pe.UpdatedAt))
}

func appendRunnProjectTag(l rowSink, t *runn.ProjectTag) error {
	ids := t.ProjectIDs
	if ids == nil {
		ids = []int64{}
	}
	return l.appendRow("runn_project_tags", t.ID, t.Name, ids, t.Archived, ts(t.CreatedAt), ts(t.UpdatedAt))
}

func appendRunnContract(l rowSink, c *runn.Contract) error {
	start, err := date(&c.StartDate)
	if err != nil {
		return fmt.Errorf("contract %d startDate: %w", c.ID, err)
	}
	end, err := date(c.EndDate)
	if err != nil {
		return fmt.Errorf("contract %d endDate: %w", c.ID, err)
	}
	d := c.RosteredDays
	return l.appendRow("runn_contracts", c.ID, c.PersonID, c.RoleID, start, end, c.EmploymentType,
		f64(c.CostPerHour), f64(c.MinutesPerDay), d.Monday, d.Tuesday, d.Wednesday, d.Thursday, d.Friday,
		ts(c.CreatedAt), ts(c.UpdatedAt))
}

func appendRunnAssignment(l rowSink, a *runn.Assignment) error {
	start, err := date(&a.StartDate)
	if err != nil {
		return fmt.Errorf("assignment %d startDate: %w", a.ID, err)
	}
	end, err := date(&a.EndDate)
	if err != nil {
		return fmt.Errorf("assignment %d endDate: %w", a.ID, err)
	}
	return l.appendRow("runn_assignments", a.ID, a.PersonID, a.ProjectID, a.RoleID, start, end,
		a.MinutesPerDay, a.IsActive, a.IsBillable, a.IsNonWorkingDay, a.IsTemplate, a.IsPlaceholder,
		i64(a.WorkstreamID), ts(a.CreatedAt), ts(a.UpdatedAt))
}

func appendRunnActual(l rowSink, a *runn.Actual) error {
	d, err := date(&a.Date)
	if err != nil {
		return fmt.Errorf("actual %d date: %w", a.ID, err)
	}
	return l.appendRow("runn_actuals", a.ID, d, a.PersonID, a.ProjectID, a.RoleID, i64(a.WorkstreamID),
		i64(a.PhaseID), a.BillableMinutes, a.NonbillableMinutes, ts(a.CreatedAt), ts(a.UpdatedAt))
}

func refs(rs []runn.Reference) driver.Value {
	out := make([]map[string]any, len(rs))
	for i, r := range rs {
		out[i] = map[string]any{"reference_name": r.ReferenceName, "external_id": r.ExternalID}
	}
	return out
}

func tags(ts []runn.Tag) driver.Value {
	out := make([]map[string]any, len(ts))
	for i, t := range ts {
		out[i] = map[string]any{"id": t.ID, "name": t.Name}
	}
	return out
}

func f64(p *float64) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}

func i64(p *int64) driver.Value {
	if p == nil {
		return nil
	}
	return *p
}
