package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
	"github.com/harvest2runn/harvest2runn/pipelines"
)

// userDay is one person's day in Harvest.
type userDay struct {
	user int64
	date string
}

// EditHarvest changes Harvest the way a day changes it: an entry edited, an entry deleted, and
// a late entry for a past day, each in the window and on a record the first sync sent. It
// returns one line per edit, naming the rule that follows it.
func (s *Scenario) EditHarvest(ctx context.Context) ([]string, error) {
	picked := s.pickEdits(sentPairs(ctx, s.opts.Warehouse))
	if len(picked) < 3 {
		return []string{"(the account is too small for the demo's edits)"}, nil
	}
	edit, del, late := picked[0], picked[1], picked[2]
	newHours := json.Number("7.25")
	if err := s.harvest.UpdateTimeEntry(edit.ID, func(t *harvest.TimeEntry) { t.Hours = newHours }); err != nil {
		return nil, err
	}
	lines := []string{fmt.Sprintf("edited entry %d (%s on %q, %s): %s h -> %s h (R10 writes the new minutes)", edit.ID, edit.User.Name,
		edit.Project.Name, edit.SpentDate, edit.Hours, newHours)}
	if err := s.harvest.DeleteTimeEntry(del.ID); err != nil {
		return lines, err
	}
	lines = append(lines, fmt.Sprintf("deleted entry %d (%s on %q, %s, %s h) (R11 sets the day to what is left, 0 when nothing)", del.ID,
		del.User.Name, del.Project.Name, del.SpentDate, del.Hours))
	added := late
	added.ID, added.Hours, added.Notes = 0, "2.5", nil
	added.SpentDate = s.lateDate()
	added.CreatedAt, added.UpdatedAt = time.Time{}, time.Time{}
	added.IsBilled, added.IsClosed, added.IsLocked, added.Invoice, added.LockedReason = false, false, false, nil, nil
	got := s.harvest.AddTimeEntry(added)
	lines = append(lines, fmt.Sprintf("added a late entry %d (%s on %q, %s, 2.5 h) (R10: the window re-reads past days)", got.ID,
		got.User.Name, got.Project.Name, got.SpentDate))
	return lines, nil
}

// lateDate is the past day the late entry is for.
func (s *Scenario) lateDate() string { return s.Day2.AddDate(0, 0, -3).Format(time.DateOnly) }

// pickEdits picks the entries to edit, delete and copy as a late entry: stopped, in the last 30
// days, on an active project with a client, on a (user, project) the first sync sent, on other
// users and days one after the other.
func (s *Scenario) pickEdits(sent map[[2]int64]bool) []harvest.TimeEntry {
	acct := s.harvest.Account()
	active := map[int64]bool{}
	for _, p := range acct.Projects {
		active[p.ID] = p.IsActive && p.Client != nil
	}
	// A person-day above 24 h is not sent (the "Implausible time" edge case of R7, R9): the
	// edits go to days that stay under it, so that they show R10 and R11 at work.
	dayHours := map[userDay]float64{}
	for _, e := range acct.TimeEntries {
		if h, err := e.Hours.Float64(); err == nil && !e.IsRunning {
			dayHours[userDay{e.User.ID, e.SpentDate}] += h
		}
	}
	lateDate := s.lateDate()
	from := s.Day2.AddDate(0, 0, -30).Format(time.DateOnly)
	var picked []harvest.TimeEntry
	for _, e := range acct.TimeEntries {
		if len(picked) == 3 {
			break
		}
		if e.IsRunning || e.SpentDate < from || !active[e.Project.ID] || (len(sent) > 0 && !sent[[2]int64{e.User.ID, e.Project.ID}]) ||
			dayHours[userDay{e.User.ID, e.SpentDate}] > 16 || dayHours[userDay{e.User.ID, lateDate}] > 20 {
			continue
		}
		if len(picked) > 0 && (picked[len(picked)-1].User.ID == e.User.ID || picked[len(picked)-1].SpentDate == e.SpentDate) {
			continue
		}
		picked = append(picked, e)
	}
	return picked
}

// sentPairs are the (Harvest user, Harvest project) pairs whose time the first sync sent (R10):
// the edits go there, so that the second sync has something to follow. None when the warehouse
// cannot say: the edits then go anywhere in the window.
func sentPairs(ctx context.Context, path string) map[[2]int64]bool {
	c := &pairCollector{pairs: map[[2]int64]bool{}}
	_ = pipelines.Query(ctx, path, `SELECT DISTINCT harvest_user_id, harvest_project_id FROM plan.chg_runn__actuals
		WHERE run_id = 1 AND rule = 'R10' AND billable_minutes + nonbillable_minutes > 0
		AND harvest_user_id IS NOT NULL AND harvest_project_id IS NOT NULL`, c)
	return c.pairs
}

// pairCollector is a pipelines.RowSink gathering (user, project) rows.
type pairCollector struct{ pairs map[[2]int64]bool }

func (c *pairCollector) Columns([]pipelines.Column) error { return nil }

func (c *pairCollector) Row(v []any) error {
	u, _ := v[0].(int64)
	p, _ := v[1].(int64)
	c.pairs[[2]int64{u, p}] = true
	return nil
}
