package load

import (
	"context"
	"errors"
	"net/http"

	"github.com/harvest2runn/harvest2runn/runn"
)

// API is what the load needs of Runn; *runn.API implements it.
type API interface {
	CreateRole(ctx context.Context, in runn.RoleInput) (runn.Role, error)
	CreateClient(ctx context.Context, in runn.ClientInput) (runn.Client, error)
	CreateProject(ctx context.Context, in runn.ProjectInput) (runn.Project, error)
	CreatePerson(ctx context.Context, in runn.PersonInput) (runn.Person, error)
	CreateActualsBulk(ctx context.Context, in []runn.ActualInput) ([]runn.Actual, error)
	ListRoles(ctx context.Context) ([]runn.Role, error)
	ListClients(ctx context.Context) ([]runn.Client, error)
	ListProjects(ctx context.Context) ([]runn.Project, error)
	ListPeople(ctx context.Context) ([]runn.Person, error)
	FindPeopleByExternalID(ctx context.Context, id string) ([]runn.Person, error)
	FindProjectsByExternalID(ctx context.Context, id string) ([]runn.Project, error)
	Stats() runn.Stats
}

var _ API = (*runn.API)(nil)

// refusal returns Runn's answer when err says Runn refused this record itself (the request is
// invalid for Runn: 400, 409, 413, 422), as opposed to failures where nothing is known about the
// record (401, 5xx, network), which stop the load.
func refusal(err error) (*runn.APIError, bool) {
	var apiErr *runn.APIError
	if !errors.As(err, &apiErr) {
		return nil, false
	}
	switch apiErr.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return apiErr, true
	}
	return nil, false
}

// runnMessage is Runn's own wording when it has one, else err's text.
func runnMessage(err error) string {
	var apiErr *runn.APIError
	if errors.As(err, &apiErr) && apiErr.Body.Message != "" {
		return apiErr.Body.Message
	}
	return err.Error()
}

// httpStatus is the status of Runn's answer in err, or 0 when no answer came.
func httpStatus(err error) int {
	var apiErr *runn.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}
