package runn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// MaxBulkActuals is the most actuals POST /actuals/bulk/ takes in one call.
const MaxBulkActuals = 100

// alreadyTagged is how Runn words the refusal to add a tag a project already has.
const alreadyTagged = "already exists on Project"

// CreateRole creates a role (POST /roles/). Not retried once it may have reached Runn: see the
// package documentation and ErrOutcomeUnknown. The answer is trusted only when it carries an id
// and, for a role sent with a Harvest reference, that reference; for one sent without, the name
// that was sent (R6's normalisation). Otherwise the error is an *UnconfirmedCreateError.
func (c *API) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	var out Role
	ans, err := c.post(ctx, "/roles/", in, false, &out)
	if err != nil {
		return Role{}, err
	}
	if err := confirmCreated(ans, "role", out.ID, in.References, out.References); err != nil {
		return Role{}, err
	}
	if !hasHarvestRef(in.References) && out.ID > 0 {
		// Without a reference, only the name tells the created role from another record.
		switch {
		case out.Name == nil:
			return Role{}, unconfirmed(ans, "role", out.ID, fmt.Sprintf("with role %d, which has no name where %q was sent", out.ID, in.Name))
		case normaliseName(*out.Name) != normaliseName(in.Name):
			return Role{}, unconfirmed(ans, "role", out.ID, fmt.Sprintf("with role %d named %q, not the %q that was sent", out.ID, *out.Name, in.Name))
		}
	}
	return out, nil
}

// CreateClient creates a client (POST /clients/). Not retried once it may have reached Runn. The
// answer is trusted only when it carries an id and the Harvest reference that was sent.
func (c *API) CreateClient(ctx context.Context, in ClientInput) (Client, error) {
	var out Client
	ans, err := c.post(ctx, "/clients/", in, false, &out)
	if err != nil {
		return Client{}, err
	}
	if err := confirmCreated(ans, "client", out.ID, in.References, out.References); err != nil {
		return Client{}, err
	}
	return out, nil
}

// CreateProject creates a project (POST /projects/). Not retried once it may have reached Runn.
// The answer is trusted only when it carries an id and the Harvest reference that was sent.
func (c *API) CreateProject(ctx context.Context, in ProjectInput) (Project, error) {
	var out Project
	ans, err := c.post(ctx, "/projects/", in, false, &out)
	if err != nil {
		return Project{}, err
	}
	if err := confirmCreated(ans, "project", out.ID, in.References, out.References); err != nil {
		return Project{}, err
	}
	return out, nil
}

// CreatePerson creates a person and their first contract (POST /people/). Not retried once it
// may have reached Runn. The answer is trusted only when it carries an id and the Harvest
// reference that was sent.
func (c *API) CreatePerson(ctx context.Context, in PersonInput) (Person, error) {
	var out Person
	ans, err := c.post(ctx, "/people/", in, false, &out)
	if err != nil {
		return Person{}, err
	}
	if err := confirmCreated(ans, "person", out.ID, in.References, out.References); err != nil {
		return Person{}, err
	}
	return out, nil
}

// UnconfirmedCreateError is a create that Runn answered with success but whose answer does not
// show the record that was sent: no id, or a record without the Harvest reference (or, for a
// role sent without one, the name) that was sent. The create may have been applied, so it
// matches ErrOutcomeUnknown: read Runn before sending it again. Taking such an answer at its
// word would record another record's id, or none, as the one created.
type UnconfirmedCreateError struct {
	// URL is the create's full URL.
	URL string
	// Status is Runn's 2xx status.
	Status int
	// Kind is "role", "client", "project" or "person".
	Kind string
	// ID is the id the answer carried; 0 when none.
	ID int64
	// Reason is what was wrong, worded to follow "Runn answered 201 ", e.g. "with no id".
	Reason string
}

func (e *UnconfirmedCreateError) Error() string {
	return fmt.Sprintf("runn: POST %s: Runn answered %d %s: the new %s is not known, and Runn may have created it: read Runn before sending it again",
		e.URL, e.Status, e.Reason, e.Kind)
}

// Unwrap makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *UnconfirmedCreateError) Unwrap() error { return ErrOutcomeUnknown }

func unconfirmed(ans answer, kind string, id int64, reason string) error {
	return &UnconfirmedCreateError{URL: ans.url, Status: ans.status, Kind: kind, ID: id, Reason: reason}
}

// confirmCreated checks that a create's answer carries an id and every Harvest reference sent
// (referenceName compared case-insensitively, externalId exactly, as R1 matches them).
func confirmCreated(ans answer, kind string, id int64, sent, got []Reference) error {
	switch {
	case id == 0:
		return unconfirmed(ans, kind, 0, "with no id")
	case id < 0:
		return unconfirmed(ans, kind, id, fmt.Sprintf("with the id %d, which no record has", id))
	}
	for _, ref := range sent {
		if !strings.EqualFold(ref.ReferenceName, HarvestReferenceName) {
			continue
		}
		if !slices.ContainsFunc(got, func(r Reference) bool {
			return strings.EqualFold(r.ReferenceName, HarvestReferenceName) && r.ExternalID == ref.ExternalID
		}) {
			return unconfirmed(ans, kind, id, fmt.Sprintf("with %s %d, which does not carry the Harvest reference %s that was sent", kind, id, ref.ExternalID))
		}
	}
	return nil
}

func hasHarvestRef(refs []Reference) bool {
	return slices.ContainsFunc(refs, func(r Reference) bool { return strings.EqualFold(r.ReferenceName, HarvestReferenceName) })
}

// normaliseName is R6's normalisation of role names: trim, inner white space collapsed,
// case-folded.
func normaliseName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// AddProjectTag puts the tag on the project
// (POST /project-tags/{projectTagId}/project/{projectId}). A project that has the tag already is
// what the call asks for, so Runn's "already exists on Project" refusal counts as success; that
// also makes resending after ErrOutcomeUnknown harmless. Not retried once it may have reached Runn.
func (c *API) AddProjectTag(ctx context.Context, tagID, projectID int64) error {
	path := fmt.Sprintf("/project-tags/%d/project/%d", tagID, projectID)
	_, err := c.do(ctx, call{method: http.MethodPost, path: path})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && strings.Contains(apiErr.Body.Message, alreadyTagged) {
		c.log.Debug("runn: project already has the tag", "tag", tagID, "project", projectID)
		return nil
	}
	return err
}

// CreateActual writes one day's minutes for a (person, project, role, workstream), replacing
// what Runn holds for that key (POST /actuals/). Being an upsert, it is retried on 429, 5xx,
// timeouts and broken connections alike.
func (c *API) CreateActual(ctx context.Context, in ActualInput) (Actual, error) {
	var out Actual
	if _, err := c.post(ctx, "/actuals/", in, true, &out); err != nil {
		return Actual{}, err
	}
	return out, nil
}

// CreateActualsBulk writes 1 to MaxBulkActuals actuals in one call (POST /actuals/bulk/), with
// the same upsert rules as CreateActual. More or fewer are refused without sending anything.
func (c *API) CreateActualsBulk(ctx context.Context, in []ActualInput) ([]Actual, error) {
	if len(in) == 0 || len(in) > MaxBulkActuals {
		return nil, fmt.Errorf("runn: CreateActualsBulk takes 1 to %d actuals, not %d; nothing was sent: split the batch",
			MaxBulkActuals, len(in))
	}
	out := []Actual{}
	body := struct {
		Actuals []ActualInput `json:"actuals"`
	}{in}
	if _, err := c.post(ctx, "/actuals/bulk/", body, true, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// post sends in as JSON and decodes the answer into out, and returns the answer for checks.
func (c *API) post(ctx context.Context, path string, in any, repeatable bool, out any) (answer, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return answer{}, fmt.Errorf("runn: encoding the body of POST %s: %w", path, err)
	}
	ans, err := c.do(ctx, call{method: http.MethodPost, path: path, body: body, repeatable: repeatable})
	if err != nil {
		return answer{}, err
	}
	if err := json.Unmarshal(ans.body, out); err != nil {
		if repeatable {
			return answer{}, fmt.Errorf("runn: decoding the answer to POST %s: %w", ans.url, err)
		}
		// Runn says it created the record but we cannot tell which one it is.
		return answer{}, fmt.Errorf("runn: POST %s: Runn answered %d but its answer could not be decoded (%w), so the new record is not known: %w",
			ans.url, ans.status, err, ErrOutcomeUnknown)
	}
	return ans, nil
}
