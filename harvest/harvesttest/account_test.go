package harvesttest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/harvest2runn/harvest2runn/harvest"
)

func TestAccountJSONRoundTrip(t *testing.T) {
	a := Generate(GenerateOptions{Seed: 9, TimeEntries: 500})
	var buf bytes.Buffer
	if err := a.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("WriteJSON wrote invalid JSON")
	}
	if lines := strings.Count(buf.String(), "\n"); lines < len(a.TimeEntries) {
		t.Errorf("%d lines for %d entries: want one record per line", lines, len(a.TimeEntries))
	}
	b, err := LoadAccount(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(a, b); diff != "" {
		t.Errorf("round trip (-wrote +read):\n%s", diff)
	}

	var empty bytes.Buffer
	if err := (&Account{}).WriteJSON(&empty); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadAccount(&empty); err != nil || len(got.Users) != 0 {
		t.Errorf("empty account: %v, %+v", err, got)
	}
}

func TestLoadAccountRefusesBadFixtures(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not JSON", `{"users": [`, "reading account fixture"},
		{"misspelt key", `{"user": []}`, "unknown field"},
		{"misspelt field", `{"users": [{"id": 1, "frist_name": "A"}]}`, "unknown field"},
		{"zero id", `{"clients": [{"id": 0}]}`, "ids must be positive"},
		{"repeated id", `{"tasks": [{"id": 5}, {"id": 5}]}`, "repeats id 5"},
		{"bad date", `{"time_entries": [{"id": 5, "spent_date": "yesterday", "hours": 1}]}`, "spent_date"},
	}
	for _, tt := range tests {
		_, err := LoadAccount(strings.NewReader(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

// fill sets every field reachable from v: pointers allocated, slices of one element,
// scalars non-zero, so that a clone of it can be checked for shared memory.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i))
		}
	case reflect.String:
		v.SetString("1")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	}
}

// shared names the first pointer or slice that a and b have in common.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if s := shared(a.Index(i), b.Index(i), path+"[]"); s != "" {
				return s
			}
		}
	case reflect.Struct:
		if a.Type() == reflect.TypeFor[time.Time]() {
			return "" // a *time.Location is meant to be shared
		}
		for i := range a.NumField() {
			if s := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); s != "" {
				return s
			}
		}
	}
	return ""
}

func TestCloneSharesNothing(t *testing.T) {
	check := func(name string, orig any, clone func(any) any) {
		fill(reflect.ValueOf(orig).Elem())
		c := clone(orig)
		if !gocmp.Equal(orig, c) {
			t.Errorf("%s: clone differs from the original", name)
		}
		if s := shared(reflect.ValueOf(orig), reflect.ValueOf(c), name); s != "" {
			t.Errorf("%s is shared by a record and its clone: copy it in clone.go", s)
		}
	}
	check("User", &harvest.User{}, func(v any) any { return cloneUser(v.(*harvest.User)) })
	check("Role", &harvest.Role{}, func(v any) any { return cloneRole(v.(*harvest.Role)) })
	check("Client", &harvest.Client{}, func(v any) any { return cloneClient(v.(*harvest.Client)) })
	check("Project", &harvest.Project{}, func(v any) any { return cloneProject(v.(*harvest.Project)) })
	check("Task", &harvest.Task{}, func(v any) any { return cloneTask(v.(*harvest.Task)) })
	check("UserAssignment", &harvest.UserAssignment{}, func(v any) any { return cloneUserAssignment(v.(*harvest.UserAssignment)) })
	check("TimeEntry", &harvest.TimeEntry{}, func(v any) any { return cloneTimeEntry(v.(*harvest.TimeEntry)) })

	a := Generate(GenerateOptions{Seed: 4, TimeEntries: 200})
	if s := shared(reflect.ValueOf(a), reflect.ValueOf(a.Clone()), "Account"); s != "" {
		t.Errorf("%s is shared by an account and its Clone", s)
	}
	if !gocmp.Equal(a, a.Clone()) {
		t.Error("Clone differs from the account")
	}
}
