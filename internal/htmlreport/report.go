// Package htmlreport renders a run report as one self-contained HTML page: styles inline, charts
// drawn as inline SVG at render time, no script, font or image fetched from anywhere, so that it
// opens from disk in any browser and can be mailed as one file. It links no database: the
// pipelines package fills a Report from the warehouse.
package htmlreport

import (
	"embed"
	"fmt"
	"html/template"
	"io"
)

// Report is everything the page shows about one run.
type Report struct {
	RunID        int64
	Kind         string
	Status       string
	Window       string // "2025-05-28 to 2025-06-27"
	GeneratedAt  string // RFC 3339 UTC
	PrunedAt     string // date the run's extracts were pruned; empty when they were not
	Summary      Summary
	Plan         []PlanCount
	Exclusions   []ExclusionGroup
	UnknownRoles []UnknownRole
	People       []Series
	Projects     []Series
	// PeopleCount and ProjectsCount count them all: the page charts at most MaxSeries of each,
	// the largest discrepancies first, so that a large account's page stays light.
	PeopleCount, ProjectsCount int
}

// MaxSeries bounds the charts per section.
const MaxSeries = 100

// Summary is the run's totals.
type Summary struct {
	HarvestPeople, HarvestProjects, HarvestEntries int64
	HarvestMinutes, ExcludedMinutes                int64
	RunnMinutesBefore, RunnMinutesAfter            int64
	DiscrepancyMinutes                             int64 // Harvest − excluded − Runn after, summed
	Discrepancies                                  int64 // person, project and week rows with one
	PlannedWrites                                  int64
}

// PlanCount is the writes the plan holds of one kind for one rule.
type PlanCount struct {
	Kind, Rule string
	Writes     int64
}

// ExclusionGroup is the time not sent for one reason, with the entries behind it (the largest
// first, at most MaxEntries of them; EntriesCount counts them all).
type ExclusionGroup struct {
	Reason, Rule string
	Minutes      int64
	EntriesCount int64
	Entries      []ExcludedEntry
}

// MaxEntries bounds the entries listed per reason, so that a large account's page stays light.
const MaxEntries = 200

// ExcludedEntry is one Harvest time entry not sent.
type ExcludedEntry struct {
	Date           string
	HarvestEntryID int64
	Person         string // name (Harvest user id)
	Project        string
	Minutes        int64
}

// UnknownRole is a person created with Runn's Unknown role, why, and the time it blocks.
type UnknownRole struct {
	HarvestUserID  int64
	Name           string
	HarvestRoles   string
	Reason         string
	BlockedMinutes int64
	BlockedEntries int64
}

// Series is one person's or project's weeks.
type Series struct {
	HarvestID int64
	Name      string
	Weeks     []Week
}

// Week is one week's minutes.
type Week struct {
	Week                               string // its Monday, YYYY-MM-DD
	Harvest, Excluded                  int64
	RunnBefore, RunnAfter, Discrepancy int64
}

//go:embed report.html.tmpl
var files embed.FS

// Render writes the page.
func Render(w io.Writer, r Report) error {
	t, err := template.New("report.html.tmpl").Funcs(template.FuncMap{
		"chart": chart,
		"hm":    hoursMinutes,
		"signed": func(n int64) string {
			if n > 0 {
				return fmt.Sprintf("+%d", n)
			}
			return fmt.Sprint(n)
		},
	}).ParseFS(files, "report.html.tmpl")
	if err != nil {
		return fmt.Errorf("the report's template: %w", err)
	}
	if err := t.Execute(w, r); err != nil {
		return fmt.Errorf("render the report of run %d: %w", r.RunID, err)
	}
	return nil
}

// hoursMinutes is minutes as people read them: "12 h 05 min", "-0 h 30 min".
func hoursMinutes(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d h %02d min", sign, m/60, m%60)
}
