package runntest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/harvest2runn/harvest2runn/runn"
)

// State is everything the fake holds: a seed going in, a snapshot coming out.
type State struct {
	Clients     []runn.Client     `json:"clients"`
	Projects    []runn.Project    `json:"projects"`
	People      []runn.Person     `json:"people"`
	Roles       []runn.Role       `json:"roles"`
	Contracts   []runn.Contract   `json:"contracts"`
	Assignments []runn.Assignment `json:"assignments"`
	Actuals     []runn.Actual     `json:"actuals"`
	ProjectTags []runn.ProjectTag `json:"projectTags"`
}

// LoadState reads a fixture written by WriteJSON (or by hand). Unknown fields are refused so
// that a misspelt fixture field fails loudly instead of silently seeding a zero value.
func LoadState(r io.Reader) (*State, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("runntest: reading state fixture: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("runntest: reading state fixture: more than one JSON value")
	}
	return &s, nil
}

// WriteJSON writes the state sorted by id with two-space indentation, so that equal states
// give equal bytes (golden files). The receiver is not modified.
func (s *State) WriteJSON(w io.Writer) error {
	out := s.clone()
	out.sortByID()
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("runntest: encoding state: %w", err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("runntest: writing state: %w", err)
	}
	return nil
}

// clone deep-copies through JSON: every record type is plain data, and this keeps pointer
// fields and the free-form customFields maps from being shared with the caller.
func (s *State) clone() *State {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("runntest: state cannot be encoded: %v", err))
	}
	var out State
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&out); err != nil {
		panic(fmt.Sprintf("runntest: state cannot be decoded: %v", err))
	}
	return &out
}

func (s *State) sortByID() {
	sortRecords(s.Clients, func(c runn.Client) int64 { return c.ID })
	sortRecords(s.Projects, func(p runn.Project) int64 { return p.ID })
	sortRecords(s.People, func(p runn.Person) int64 { return p.ID })
	sortRecords(s.Roles, func(r runn.Role) int64 { return r.ID })
	sortRecords(s.Contracts, func(c runn.Contract) int64 { return c.ID })
	sortRecords(s.Assignments, func(a runn.Assignment) int64 { return a.ID })
	sortRecords(s.Actuals, func(a runn.Actual) int64 { return a.ID })
	sortRecords(s.ProjectTags, func(t runn.ProjectTag) int64 { return t.ID })
}

func sortRecords[T any](records []T, id func(T) int64) {
	slices.SortStableFunc(records, func(a, b T) int {
		switch ia, ib := id(a), id(b); {
		case ia < ib:
			return -1
		case ia > ib:
			return 1
		}
		return 0
	})
}
