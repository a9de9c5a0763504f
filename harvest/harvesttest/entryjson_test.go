package harvesttest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func TestAppendTimeEntryMatchesEncodingJSON(t *testing.T) {
	entries := Generate(GenerateOptions{Seed: 11, TimeEntries: 3000}).TimeEntries
	cet := time.FixedZone("CET", 3600)
	odd := []harvest.TimeEntry{
		{}, // every pointer nil, every string empty, hours "" (encoding/json writes 0)
		{
			ID: 1<<62 + 7, SpentDate: "2024-02-29", Hours: "1e-3",
			User:              harvest.IDName{ID: 1, Name: "Zoë \"Z\" O'Brien\\<script>&\u2028\x01\xff"},
			Client:            harvest.ClientRef{ID: 2, Name: "Ærø & Co", Currency: ptr("")},
			Project:           harvest.ProjectRef{ID: 3, Name: "\t", Code: ptr("A&B")},
			UserAssignment:    &harvest.EntryUserAssignment{ID: 4, Budget: num("-0.5"), HourlyRate: num("")},
			TaskAssignment:    &harvest.EntryTaskAssignment{ID: 5, Billable: true, CreatedAt: time.Date(2024, 1, 1, 1, 1, 1, 123456789, cet)},
			ExternalReference: &harvest.ExternalReference{ID: "x", Permalink: "https://e.example/?a=1&b=<2>"},
			Invoice:           &harvest.Invoice{ID: 6, Number: "INV-1001"},
			Notes:             ptr("line 1\r\nline 2 \U0001F600"),
			LockedReason:      ptr(""),
			TimerStartedAt:    ptr(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)),
			CreatedAt:         time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
			UpdatedAt:         time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.Local),
		},
	}
	for _, e := range append(odd, entries...) {
		want, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTimeEntry(nil, &e); !bytes.Equal(got, want) {
			t.Fatalf("entry %d:\n got %s\nwant %s\n(if harvest.TimeEntry gained a field, add it to appendTimeEntry)", e.ID, got, want)
		}
	}
}

func TestCheckTimeEntry(t *testing.T) {
	good := Generate(GenerateOptions{Seed: 1, TimeEntries: 20}).TimeEntries[3]
	if err := checkTimeEntry(&good); err != nil {
		t.Fatalf("generated entry refused: %v", err)
	}
	tests := []struct {
		name   string
		change func(*harvest.TimeEntry)
	}{
		{"hours", func(e *harvest.TimeEntry) { e.Hours = "1,5" }},
		{"cost rate", func(e *harvest.TimeEntry) { e.CostRate = num("NaN") }},
		{"rounded hours", func(e *harvest.TimeEntry) { e.RoundedHours = num("+1") }},
		{"nested budget", func(e *harvest.TimeEntry) { e.UserAssignment = &harvest.EntryUserAssignment{Budget: num(".5")} }},
		{"nested rate", func(e *harvest.TimeEntry) { e.TaskAssignment = &harvest.EntryTaskAssignment{HourlyRate: num("01")} }},
		{"spent date", func(e *harvest.TimeEntry) { e.SpentDate = "2024-02-30" }},
		{"year", func(e *harvest.TimeEntry) { e.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range tests {
		e := *cloneTimeEntry(&good)
		tt.change(&e)
		if err := checkTimeEntry(&e); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestIsValidNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "1.5": true, "150.0": true, "0.172222": true, "1e3": true, "1E-3": true, "-2.5e+10": true,
		"": false, "-": false, "01": false, ".5": false, "1.": false, "1e": false, "1e+": false, "+1": false, "1,5": false, "NaN": false, " 1": false,
	} {
		if got := isValidNumber(s); got != want {
			t.Errorf("isValidNumber(%q) = %v, want %v", s, got, want)
		}
		// Hold the copy to encoding/json's own rule.
		_, err := json.Marshal(json.Number(s))
		if s != "" && (err == nil) != want {
			t.Errorf("encoding/json disagrees on %q", s)
		}
	}
}
