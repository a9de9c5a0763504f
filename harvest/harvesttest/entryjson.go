package harvesttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/harvest2runn/harvest2runn/harvest"
)

// appendTimeEntry appends e encoded exactly as encoding/json encodes it (same keys, order and
// escaping). A benchmark account has a million entries: caching each one's JSON would cost a
// gigabyte and encoding/json is too slow to build a 2,000-entry page in a few milliseconds, so
// time entries get this hand-written encoder. TestAppendTimeEntryMatchesEncodingJSON holds it
// to encoding/json byte for byte, so a field added to harvest.TimeEntry fails that test until
// it is added here. Numbers and times must have passed checkTimeEntry.
func appendTimeEntry(b []byte, e *harvest.TimeEntry) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"spent_date":`...)
	b = appendString(b, e.SpentDate)
	b = appendEntryRefs(b, e)
	b = appendEntryValues(b, e)
	return append(b, '}')
}

// appendEntryRefs appends the fields from "user" to "invoice": what the entry belongs to.
func appendEntryRefs(b []byte, e *harvest.TimeEntry) []byte {
	b = append(b, `,"user":`...)
	b = appendIDName(b, e.User)
	b = append(b, `,"client":`...)
	b = appendClientRef(b, &e.Client)
	b = append(b, `,"project":`...)
	b = appendProjectRef(b, &e.Project)
	b = append(b, `,"task":`...)
	b = appendIDName(b, e.Task)
	b = append(b, `,"user_assignment":`...)
	b = appendUserAssignment(b, e.UserAssignment)
	b = append(b, `,"task_assignment":`...)
	b = appendTaskAssignment(b, e.TaskAssignment)
	b = append(b, `,"external_reference":`...)
	b = appendExternalReference(b, e.ExternalReference)
	b = append(b, `,"invoice":`...)
	return appendInvoice(b, e.Invoice)
}

// appendEntryValues appends the fields from "hours" to "updated_at": the entry's own values.
func appendEntryValues(b []byte, e *harvest.TimeEntry) []byte {
	b = append(b, `,"hours":`...)
	b = appendNumber(b, e.Hours)
	b = append(b, `,"hours_without_timer":`...)
	b = appendNumberPtr(b, e.HoursWithoutTimer)
	b = append(b, `,"rounded_hours":`...)
	b = appendNumberPtr(b, e.RoundedHours)
	b = append(b, `,"notes":`...)
	b = appendStringPtr(b, e.Notes)
	b = append(b, `,"is_locked":`...)
	b = strconv.AppendBool(b, e.IsLocked)
	b = append(b, `,"locked_reason":`...)
	b = appendStringPtr(b, e.LockedReason)
	b = append(b, `,"is_closed":`...)
	b = strconv.AppendBool(b, e.IsClosed)
	b = append(b, `,"is_billed":`...)
	b = strconv.AppendBool(b, e.IsBilled)
	b = append(b, `,"timer_started_at":`...)
	b = appendTimePtr(b, e.TimerStartedAt)
	b = append(b, `,"started_time":`...)
	b = appendStringPtr(b, e.StartedTime)
	b = append(b, `,"ended_time":`...)
	b = appendStringPtr(b, e.EndedTime)
	b = append(b, `,"is_running":`...)
	b = strconv.AppendBool(b, e.IsRunning)
	b = append(b, `,"billable":`...)
	b = strconv.AppendBool(b, e.Billable)
	b = append(b, `,"budgeted":`...)
	b = strconv.AppendBool(b, e.Budgeted)
	b = append(b, `,"billable_rate":`...)
	b = appendNumberPtr(b, e.BillableRate)
	b = append(b, `,"cost_rate":`...)
	b = appendNumberPtr(b, e.CostRate)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, e.CreatedAt)
	b = append(b, `,"updated_at":`...)
	return appendTime(b, e.UpdatedAt)
}

// appendClientRef writes currency only when set, as its omitempty pointer tag asks.
func appendClientRef(b []byte, c *harvest.ClientRef) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	if c.Currency != nil {
		b = append(b, `,"currency":`...)
		b = appendString(b, *c.Currency)
	}
	return append(b, '}')
}

func appendProjectRef(b []byte, p *harvest.ProjectRef) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, p.Name)
	b = append(b, `,"code":`...)
	b = appendStringPtr(b, p.Code)
	return append(b, '}')
}

func appendUserAssignment(b []byte, ua *harvest.EntryUserAssignment) []byte {
	if ua == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, ua.ID, 10)
	b = append(b, `,"is_project_manager":`...)
	b = strconv.AppendBool(b, ua.IsProjectManager)
	b = append(b, `,"is_active":`...)
	b = strconv.AppendBool(b, ua.IsActive)
	b = append(b, `,"use_default_rates":`...)
	b = strconv.AppendBool(b, ua.UseDefaultRates)
	b = append(b, `,"budget":`...)
	b = appendNumberPtr(b, ua.Budget)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, ua.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, ua.UpdatedAt)
	b = append(b, `,"hourly_rate":`...)
	b = appendNumberPtr(b, ua.HourlyRate)
	return append(b, '}')
}

func appendTaskAssignment(b []byte, ta *harvest.EntryTaskAssignment) []byte {
	if ta == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, ta.ID, 10)
	b = append(b, `,"billable":`...)
	b = strconv.AppendBool(b, ta.Billable)
	b = append(b, `,"is_active":`...)
	b = strconv.AppendBool(b, ta.IsActive)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, ta.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, ta.UpdatedAt)
	b = append(b, `,"hourly_rate":`...)
	b = appendNumberPtr(b, ta.HourlyRate)
	b = append(b, `,"budget":`...)
	b = appendNumberPtr(b, ta.Budget)
	return append(b, '}')
}

func appendExternalReference(b []byte, x *harvest.ExternalReference) []byte {
	if x == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = appendString(b, x.ID)
	b = append(b, `,"group_id":`...)
	b = appendString(b, x.GroupID)
	b = append(b, `,"account_id":`...)
	b = appendString(b, x.AccountID)
	b = append(b, `,"permalink":`...)
	b = appendString(b, x.Permalink)
	b = append(b, `,"service":`...)
	b = appendString(b, x.Service)
	b = append(b, `,"service_icon_url":`...)
	b = appendString(b, x.ServiceIconURL)
	return append(b, '}')
}

func appendInvoice(b []byte, inv *harvest.Invoice) []byte {
	if inv == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, inv.ID, 10)
	b = append(b, `,"number":`...)
	b = appendString(b, inv.Number)
	return append(b, '}')
}

func appendIDName(b []byte, v harvest.IDName) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	return append(b, '}')
}

// appendString writes plain ASCII directly and leaves everything else (quotes, control
// characters, HTML-sensitive characters, non-ASCII) to encoding/json, so the escaping is
// exactly encoding/json's.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendNumber writes n as encoding/json does, which writes an empty json.Number as 0.
func appendNumber(b []byte, n json.Number) []byte {
	if n == "" {
		return append(b, '0')
	}
	return append(b, n...)
}

func appendNumberPtr(b []byte, n *json.Number) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return appendNumber(b, *n)
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendTimePtr(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// checkTimeEntry reports what the server cannot serve: a spent_date it cannot order by, and
// what encoding/json would refuse to encode (so appendTimeEntry never writes invalid JSON):
// numbers that are not JSON numbers, and years outside 0..9999.
func checkTimeEntry(e *harvest.TimeEntry) error {
	var errs []error
	num := func(field string, n *json.Number) {
		if n != nil && *n != "" && !isValidNumber(string(*n)) {
			errs = append(errs, fmt.Errorf("%s %q is not a JSON number", field, string(*n)))
		}
	}
	tm := func(field string, t *time.Time) {
		if t != nil && (t.Year() < 0 || t.Year() > 9999) {
			errs = append(errs, fmt.Errorf("%s %v has a year outside 0..9999", field, *t))
		}
	}
	// The listing sorts and filters on spent_date as a string: it must be YYYY-MM-DD.
	if _, err := time.Parse(time.DateOnly, e.SpentDate); err != nil {
		errs = append(errs, fmt.Errorf("spent_date %q is not a YYYY-MM-DD date", e.SpentDate))
	}
	num("hours", &e.Hours)
	num("hours_without_timer", e.HoursWithoutTimer)
	num("rounded_hours", e.RoundedHours)
	num("billable_rate", e.BillableRate)
	num("cost_rate", e.CostRate)
	tm("created_at", &e.CreatedAt)
	tm("updated_at", &e.UpdatedAt)
	tm("timer_started_at", e.TimerStartedAt)
	if ua := e.UserAssignment; ua != nil {
		num("user_assignment.budget", ua.Budget)
		num("user_assignment.hourly_rate", ua.HourlyRate)
		tm("user_assignment.created_at", &ua.CreatedAt)
		tm("user_assignment.updated_at", &ua.UpdatedAt)
	}
	if ta := e.TaskAssignment; ta != nil {
		num("task_assignment.budget", ta.Budget)
		num("task_assignment.hourly_rate", ta.HourlyRate)
		tm("task_assignment.created_at", &ta.CreatedAt)
		tm("task_assignment.updated_at", &ta.UpdatedAt)
	}
	return errors.Join(errs...)
}

// isValidNumber reports whether s is a JSON number literal (RFC 8259 §6), the same check
// encoding/json applies to a json.Number.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
