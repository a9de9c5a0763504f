package runn_test

// End-to-end tests of refusals against the fake Runn: 401, 404, 400 and local refusals.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// ---- Refusals: 401, 404, 400 ----

// errCase is a named call expected to fail.
type errCase struct {
	name string
	call func(ctx context.Context, api *runn.API) error
}

// everyKindOfCall is one of each: reads, creates, the bulk write, the tag and Ping.
func everyKindOfCall() []errCase {
	return []errCase{
		{"Ping", func(ctx context.Context, api *runn.API) error { return api.Ping(ctx) }},
		{"Me", func(ctx context.Context, api *runn.API) error { _, err := api.Me(ctx); return err }},
		{"ListRoles", func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err }},
		{"ListActuals", func(ctx context.Context, api *runn.API) error {
			_, err := api.ListActuals(ctx, "2025-07-01", e2eToday)
			return err
		}},
		{"FindPeopleByExternalID", func(ctx context.Context, api *runn.API) error {
			_, err := api.FindPeopleByExternalID(ctx, "4410982")
			return err
		}},
		{"CreatePerson", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID})
			return err
		}},
		{"CreateActualsBulk", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, actualsBatch(7))
			return err
		}},
		{"AddProjectTag", func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, projectID) }},
	}
}

// TestE2ERefusals covers every way Runn refuses a call, on one fake: refusals apply nothing,
// so they can share it.
func TestE2ERefusals(t *testing.T) {
	env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
	t.Run("401", func(t *testing.T) { checkUnauthorized(t, env) })
	t.Run("404", func(t *testing.T) { checkNotFound(t, env) })
	t.Run("400", func(t *testing.T) { checkBadRequest(t, env) })
	t.Run("refused before sending", func(t *testing.T) { checkLocalRefusals(t, env) })
	checkNoSecret(t, "the client's logs", env.logs.String())
}

// checkUnauthorized: a wrong token fails every call at once (no retry) with ErrUnauthorized,
// a message that points at RUNN_API_TOKEN and holds neither token, and nothing applied.
func checkUnauthorized(t *testing.T, env *e2e) {
	before := env.srv.State()
	for _, tt := range everyKindOfCall() {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{Token: wrongToken})
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			if !errors.Is(err, runn.ErrUnauthorized) {
				t.Fatalf("error %v, want ErrUnauthorized", err)
			}
			if errors.Is(err, runn.ErrOutcomeUnknown) || errors.Is(err, runn.ErrUnreachable) {
				t.Errorf("error %v: a 401 is a definite refusal", err)
			}
			if !strings.Contains(err.Error(), "RUNN_API_TOKEN") {
				t.Errorf("error %q does not tell the user to check RUNN_API_TOKEN", err)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{http.StatusUnauthorized}) {
				t.Errorf("statuses %v, want one 401 (not retried)", got)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("refused calls changed the state:\n%s", diff)
	}
}

// refusal is a call Runn refuses and what the error must carry.
type refusal struct {
	name    string
	call    func(ctx context.Context, api *runn.API) error
	message string // Runn's message, or the start of it
	hint    string // what the error must tell the user besides, if anything
}

// checkRefusals sends each call once to a fresh client of env and checks that it fails at
// once with Runn's status and message, matching sentinel, and that nothing was applied.
func checkRefusals(t *testing.T, env *e2e, tests []refusal, status int, sentinel error, cfg runn.Config) {
	t.Helper()
	before := env.srv.State()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, cfg)
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), api) })
			var apiErr *runn.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status || !errors.Is(err, sentinel) {
				t.Fatalf("error %v, want Runn's %d matching %v", err, status, sentinel)
			}
			if errors.Is(err, runn.ErrOutcomeUnknown) {
				t.Errorf("error %v: a %d is a definite refusal, not an unknown outcome", err, status)
			}
			if apiErr.Body.StatusCode != status || !strings.HasPrefix(apiErr.Body.Message, tt.message) {
				t.Errorf("Runn's body %+v, want a message starting %q", apiErr.Body, tt.message)
			}
			if !strings.Contains(err.Error(), strconv.Quote(apiErr.Body.Message)) {
				t.Errorf("error %q does not carry Runn's message", err)
			}
			if tt.hint != "" && !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("error %q does not mention %q", err, tt.hint)
			}
			checkNoSecret(t, "the error", err.Error())
			if got := statusesOf(reqs); !slices.Equal(got, []int{status}) {
				t.Errorf("statuses %v, want one %d (not retried)", got, status)
			}
		})
	}
	if diff := cmp.Diff(before, env.srv.State()); diff != "" {
		t.Errorf("refused calls changed the state:\n%s", diff)
	}
}

// checkNotFound: unknown ids in a path, and a base URL with a wrong path (every call 404),
// which the error tells the user how to fix.
func checkNotFound(t *testing.T, env *e2e) {
	t.Run("unknown ids", func(t *testing.T) {
		checkRefusals(t, env, []refusal{
			{name: "unknown project tag", call: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, 1, projectID) },
				message: "Project tag with id 1 not found."},
			{name: "unknown project", call: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, 1) },
				message: "Project with id 1 not found."},
			// Ids of one kind never collide with another's in the fake: a person id is no project.
			{name: "a person id as a project id", call: func(ctx context.Context, api *runn.API) error {
				return api.AddProjectTag(ctx, syncOffTagID, personID)
			}, message: fmt.Sprintf("Project with id %d not found.", personID)},
		}, http.StatusNotFound, runn.ErrNotFound, runn.Config{})
	})
	t.Run("wrong base URL", func(t *testing.T) {
		checkRefusals(t, env, []refusal{
			{name: "Me", call: func(ctx context.Context, api *runn.API) error { _, err := api.Me(ctx); return err },
				message: "Route GET:/v1/me/ not found", hint: "RUNN_BASE_URL"},
			{name: "ListRoles", call: func(ctx context.Context, api *runn.API) error { _, err := api.ListRoles(ctx); return err },
				message: "Route GET:/v1/roles/", hint: "RUNN_BASE_URL"},
			{name: "CreateRole", call: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter"})
				return err
			}, message: "Route POST:/v1/roles/ not found", hint: "RUNN_BASE_URL"},
		}, http.StatusNotFound, runn.ErrNotFound, runn.Config{BaseURL: env.srv.URL() + "/v1"})
	})
}

// checkBadRequest: Runn's validation refusals reach the caller as ErrBadRequest with Runn's
// own message, are not retried (sending again cannot help) and apply nothing; a bulk call
// with one bad item is refused whole, naming the item.
func checkBadRequest(t *testing.T, env *e2e) {
	actual := func(in runn.ActualInput) func(ctx context.Context, api *runn.API) error {
		return func(ctx context.Context, api *runn.API) error { _, err := api.CreateActual(ctx, in); return err }
	}
	bulk := func(in ...runn.ActualInput) func(ctx context.Context, api *runn.API) error {
		return func(ctx context.Context, api *runn.API) error { _, err := api.CreateActualsBulk(ctx, in); return err }
	}
	good := actualIn("2025-07-09", personID, projectID, roleID, 60, 0)
	future := actualIn("2025-07-11", personID, projectID, roleID, 60, 0)
	checkRefusals(t, env, []refusal{
		{name: "actual dated after today", call: actual(future), message: "Cannot create actual for future date 2025-07-11."},
		{name: "actual on a tentative project", call: actual(actualIn("2025-07-09", personID, tentativeID, roleID, 60, 0)),
			message: "Actuals cannot be on a tentative project."},
		{name: "billable actual on a non-billable project", call: actual(actualIn("2025-07-09", personID, nonBillableID, roleID, 60, 0)),
			message: "Cannot add billable minutes to a non-billable project."},
		{name: "actual of an unknown person", call: actual(actualIn("2025-07-09", 1, projectID, roleID, 60, 0)),
			message: "Person with id 1 not found."},
		{name: "actual with an unknown role", call: actual(actualIn("2025-07-09", personID, projectID, 1, 60, 0)),
			message: "Role with id 1 not found."},
		{name: "bulk with one bad item", call: bulk(good, future, actualIn("2025-07-08", personID, projectID, roleID, 30, 0)),
			message: "1 of 3 actuals refused, none written: body/actuals/1: Cannot create actual for future date 2025-07-11."},
		{name: "bulk with two bad items", call: bulk(future, good, actualIn("2025-07-09", personID, tentativeID, roleID, 60, 0)),
			message: "2 of 3 actuals refused, none written: body/actuals/0: Cannot create actual for future date 2025-07-11.; " +
				"body/actuals/2: Actuals cannot be on a tentative project."},
		{name: "person with an unknown role", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: 1})
			return err
		}, message: "Role with id 1 not found."},
		{name: "person without a first name (spec validation)", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{LastName: "Silva", RoleID: roleID})
			return err
		}, message: "body/firstName: minimum string length is 1"},
		{name: "person rostered other than minutesPerDay", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID,
				MinutesPerDay: ptr(450.0), RosteredDays: &runn.RosteredDays{Monday: 450, Tuesday: 450, Wednesday: 450, Thursday: 450, Friday: 240}})
			return err
		}, message: "body/rosteredDays/friday: must be the same as minutesPerDay (450) or 0, got 240"},
		{name: "project of an unknown client", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateProject(ctx, runn.ProjectInput{Name: "Orphan", ClientID: 1})
			return err
		}, message: "Client with id 1 not found."},
		{name: "client with an empty reference (spec validation)", call: func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateClient(ctx, runn.ClientInput{Name: "Fjord Ferries", References: harvestRef("")})
			return err
		}, message: "body/references/0/externalId: minimum string length is 1"},
	}, http.StatusBadRequest, runn.ErrBadRequest, runn.Config{})
}

// checkLocalRefusals: what the client can tell is wrong never reaches Runn.
func checkLocalRefusals(t *testing.T, env *e2e) {
	tests := []errCase{
		{"empty bulk", func(ctx context.Context, api *runn.API) error { _, err := api.CreateActualsBulk(ctx, nil); return err }},
		{"bulk over the maximum", func(ctx context.Context, api *runn.API) error {
			_, err := api.CreateActualsBulk(ctx, slices.Repeat(actualsBatch(7)[:1], runn.MaxBulkActuals+1))
			return err
		}},
		{"ListActuals with a bad date", func(ctx context.Context, api *runn.API) error {
			_, err := api.ListActuals(ctx, "2025-13-01", "")
			return err
		}},
		{"ListPages with a cursor", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.EndpointRoles, url.Values{"cursor": {"x"}}, func(runn.Page) error { return nil })
		}},
		{"ListPages over the endpoint's limit", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.EndpointRoles, url.Values{"limit": {"201"}}, func(runn.Page) error { return nil })
		}},
		{"ListPages of an unknown endpoint", func(ctx context.Context, api *runn.API) error {
			return api.ListPages(ctx, runn.Endpoint("teams"), nil, func(runn.Page) error { return nil })
		}},
		{"FindPeopleByExternalID without an id", func(ctx context.Context, api *runn.API) error {
			_, err := api.FindPeopleByExternalID(ctx, "")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			reqs := env.during(func() { err = tt.call(t.Context(), env.api) })
			var apiErr *runn.APIError
			if err == nil || errors.As(err, &apiErr) {
				t.Errorf("error %v, want the client's own refusal", err)
			}
			if len(reqs) != 0 {
				t.Errorf("%d requests sent, want none", len(reqs))
			}
		})
	}
}
