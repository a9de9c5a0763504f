package htmlreport

import (
	"bytes"
	"strings"
	"testing"
)

// knownReport is a run with known totals: two people on two projects over four weeks; Ann's
// second week has 120 minutes in Harvest that Runn lacks after the run (a discrepancy), and
// Bo's time on Beta is excluded for role Unknown (R9, R6).
func knownReport() Report {
	weeks := []string{"2025-06-02", "2025-06-09", "2025-06-16", "2025-06-23"}
	mk := func(harvest, excluded, before, after []int64) []Week {
		out := make([]Week, len(weeks))
		for i, w := range weeks {
			out[i] = Week{Week: w, Harvest: harvest[i], Excluded: excluded[i], RunnBefore: before[i], RunnAfter: after[i],
				Discrepancy: harvest[i] - excluded[i] - after[i]}
		}
		return out
	}
	ann := mk([]int64{480, 600, 300, 0}, []int64{0, 0, 0, 0}, []int64{0, 0, 300, 0}, []int64{480, 480, 300, 0})
	bo := mk([]int64{240, 240, 0, 60}, []int64{240, 240, 0, 60}, []int64{0, 0, 0, 0}, []int64{0, 0, 0, 0})
	return Report{
		RunID: 7, Kind: "sync", Status: "succeeded", Window: "2025-06-02 to 2025-06-27", GeneratedAt: "2025-06-27T06:00:00Z",
		Summary: Summary{HarvestPeople: 2, HarvestProjects: 2, HarvestEntries: 9, HarvestMinutes: 1920, ExcludedMinutes: 540,
			RunnMinutesBefore: 300, RunnMinutesAfter: 1260, DiscrepancyMinutes: 120, Discrepancies: 1, PlannedWrites: 3},
		Plan: []PlanCount{{"person", "R2", 1}, {"actual", "R10", 2}},
		Exclusions: []ExclusionGroup{{Reason: "role Unknown", Rule: "R9", Minutes: 540, EntriesCount: 3, Entries: []ExcludedEntry{
			{"2025-06-02", 11, "Bo <b>Lind</b> (2)", "Beta (20)", 240}, {"2025-06-09", 12, "Bo <b>Lind</b> (2)", "Beta (20)", 240},
			{"2025-06-23", 13, "Bo <b>Lind</b> (2)", "Beta (20)", 60}}}},
		UnknownRoles: []UnknownRole{{HarvestUserID: 2, Name: "Bo <b>Lind</b>", HarvestRoles: "Designer, Developer",
			Reason: "several roles in Harvest", BlockedMinutes: 540, BlockedEntries: 3}},
		People:      []Series{{HarvestID: 1, Name: "Ann Lee", Weeks: ann}, {HarvestID: 2, Name: "Bo <b>Lind</b>", Weeks: bo}},
		Projects:    []Series{{HarvestID: 10, Name: "Alpha", Weeks: ann}, {HarvestID: 20, Name: "Beta", Weeks: bo}},
		PeopleCount: 2, ProjectsCount: 2,
	}
}

// The page is self-contained (nothing fetched: no script, stylesheet, font, image or URL) and
// names from Harvest are escaped.
func TestRenderSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, knownReport()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"http://", "https://", "<script", "src=", "@import", "url(", "<link", "<b>Lind"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{"run 7", "Bo &lt;b&gt;Lind&lt;/b&gt;", "role Unknown", "several roles in Harvest", `class="chart"`,
		"32 h 00 min", "+120 min"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct {
		in, want float64
		ticks    int
	}{{1, 60, 5}, {60, 60, 5}, {61, 120, 4}, {130, 300, 5}, {600, 600, 5}, {601, 1200, 4}, {3001, 6000, 5}} {
		if got, ticks := niceCeil(c.in); got != c.want || ticks != c.ticks {
			t.Errorf("niceCeil(%v) = %v, %d; want %v, %d", c.in, got, ticks, c.want, c.ticks)
		}
	}
}

// A large account's page charts the people with the largest discrepancies and says how many
// more there are.
func TestRenderSaysWhatIsLeftOut(t *testing.T) {
	r := knownReport()
	r.PeopleCount = 250
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "The 2 people with the largest discrepancies of 250") ||
		strings.Contains(b.String(), "projects with the largest discrepancies of") {
		t.Errorf("the page does not say which people it leaves out, or says it of projects:\n%s", b.String())
	}
}
