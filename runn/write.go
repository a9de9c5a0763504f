package runn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// MaxBulkActuals is the most actuals POST /actuals/bulk/ takes in one call.
const MaxBulkActuals = 100

// alreadyTagged is how Runn words the refusal to add a tag a project already has.
const alreadyTagged = "already exists on Project"

// CreateRole creates a role (POST /roles/). Not retried once it may have reached Runn: see the
// package documentation and ErrOutcomeUnknown.
func (c *API) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	var out Role
	if err := c.post(ctx, "/roles/", in, false, &out); err != nil {
		return Role{}, err
	}
	return out, nil
}

// CreateClient creates a client (POST /clients/). Not retried once it may have reached Runn.
func (c *API) CreateClient(ctx context.Context, in ClientInput) (Client, error) {
	var out Client
	if err := c.post(ctx, "/clients/", in, false, &out); err != nil {
		return Client{}, err
	}
	return out, nil
}

// CreateProject creates a project (POST /projects/). Not retried once it may have reached Runn.
func (c *API) CreateProject(ctx context.Context, in ProjectInput) (Project, error) {
	var out Project
	if err := c.post(ctx, "/projects/", in, false, &out); err != nil {
		return Project{}, err
	}
	return out, nil
}

// CreatePerson creates a person and their first contract (POST /people/). Not retried once it
// may have reached Runn.
func (c *API) CreatePerson(ctx context.Context, in PersonInput) (Person, error) {
	var out Person
	if err := c.post(ctx, "/people/", in, false, &out); err != nil {
		return Person{}, err
	}
	return out, nil
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
	if err := c.post(ctx, "/actuals/", in, true, &out); err != nil {
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
	if err := c.post(ctx, "/actuals/bulk/", body, true, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// post sends in as JSON and decodes the answer into out.
func (c *API) post(ctx context.Context, path string, in any, repeatable bool, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("runn: encoding the body of POST %s: %w", path, err)
	}
	ans, err := c.do(ctx, call{method: http.MethodPost, path: path, body: body, repeatable: repeatable})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(ans.body, out); err != nil {
		if repeatable {
			return fmt.Errorf("runn: decoding the answer to POST %s: %w", ans.url, err)
		}
		// Runn says it created the record but we cannot tell which one it is.
		return fmt.Errorf("runn: POST %s: Runn answered %d but its answer could not be decoded (%w), so the new record is not known: %w",
			ans.url, ans.status, err, ErrOutcomeUnknown)
	}
	return nil
}
