package runn_test

// End-to-end tests of faults against the fake Runn: 5xx, broken connections and lost answers
// on reads and creates.

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// ---- Faults: 5xx, broken connections, lost answers ----

// TestE2EReadFaultsMidWalkAreRetried breaks the second page of a walk. The page is fetched
// again with the same cursor, so the walk still yields every record exactly once.
func TestE2EReadFaultsMidWalkAreRetried(t *testing.T) {
	tests := []struct {
		name         string
		fault        runntest.Fault
		wantStatuses []int
		// wantAttempts of page 2; 0 when Go's transport may retry the GET itself, unseen by
		// the client (runntest.Fault's documentation).
		wantAttempts     int
		wantServerErrors int64
	}{
		{"500 once", runntest.Fault{Kind: runntest.ServerError}, []int{200, 500, 200, 200}, 2, 1},
		{"503 three times", runntest.Fault{Kind: runntest.ServerError, Status: 503, Times: 3}, []int{200, 503, 503, 503, 200, 200}, 4, 3},
		{"connection reset", runntest.Fault{Kind: runntest.ResetConnection}, []int{200, 0, 200, 200}, 0, 0},
		{"answer lost", runntest.Fault{Kind: runntest.LostResponse}, []int{200, 0, 200, 200}, 0, 0},
	}
	env := startE2E(t, rolesSeed(450), runntest.Options{}, runn.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := env.newClient(t, runn.Config{})
			fault := tt.fault
			fault.Method, fault.PathPrefix = http.MethodGet, "/roles/"
			var got []int64
			reqs := env.during(func() {
				err := api.ListPages(t.Context(), runn.EndpointRoles, nil, func(p runn.Page) error {
					if p.Seq == 1 {
						env.srv.InjectFault(fault)
					}
					if p.Seq == 2 && tt.wantAttempts != 0 && p.Attempts != tt.wantAttempts {
						t.Errorf("page 2 took %d attempts, want %d", p.Attempts, tt.wantAttempts)
					}
					got = append(got, pageIDs(t, p.Body)...)
					return nil
				})
				if err != nil {
					t.Fatalf("ListPages: %v", err)
				}
			})
			if want := idsOf(env.srv.State().Roles, func(r runn.Role) int64 { return r.ID }); !slices.Equal(got, want) {
				t.Errorf("listed %d ids, want the %d seeded ones once each, in order", len(got), len(want))
			}
			if got := statusesOf(reqs); !slices.Equal(got, tt.wantStatuses) {
				t.Errorf("statuses %v, want %v", got, tt.wantStatuses)
			}
			if s := api.Stats(); s.ServerErrors != tt.wantServerErrors {
				t.Errorf("stats %+v, want %d server errors", s, tt.wantServerErrors)
			}
		})
	}
	// A read that fails MaxAttempts times returns Runn's last answer, without claiming an
	// unknown outcome (a GET changes nothing).
	t.Run("502 on every attempt", func(t *testing.T) {
		api := env.newClient(t, runn.Config{MaxAttempts: 3})
		env.srv.InjectFault(runntest.Fault{Method: http.MethodGet, PathPrefix: "/roles/", Kind: runntest.ServerError, Status: 502, Times: 3})
		var err error
		reqs := env.during(func() { _, err = api.ListRoles(t.Context()) })
		var apiErr *runn.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadGateway || errors.Is(err, runn.ErrOutcomeUnknown) {
			t.Fatalf("error %v, want Runn's 502 and not ErrOutcomeUnknown", err)
		}
		for _, want := range []string{"failed after 3 attempts", "502", "a fault at Runn"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
		if got := statusesOf(reqs); !slices.Equal(got, []int{502, 502, 502}) {
			t.Errorf("statuses %v, want three 502s", got)
		}
		if s := api.Stats(); s.ServerErrors != 3 || s.Retries != 2 {
			t.Errorf("stats %+v, want 3 server errors and 2 retries", s)
		}
	})
}

// createCase is one create the load sends, and how the test and the load learn whether it
// was applied.
type createCase struct {
	name string
	path string // the create's request path
	send func(ctx context.Context, api *runn.API) error
	// count is how many of the record the fake holds.
	count func(st *runntest.State) int
	// find is how the load reads Runn to learn whether the record exists.
	find func(ctx context.Context, api *runn.API) (int, error)
	// resendable: sending again when the record exists is a successful no-op.
	resendable bool
}

func createCases() []createCase {
	return []createCase{
		{
			name: "role", path: "/roles/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateRole(ctx, runn.RoleInput{Name: "Drafter", References: harvestRef("r-77")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Roles, func(r runn.Role) bool { return r.Name != nil && *r.Name == "Drafter" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				roles, err := api.ListRoles(ctx)
				return countFunc(roles, func(r runn.Role) bool { return r.Name != nil && *r.Name == "Drafter" }), err
			},
		},
		{
			name: "client", path: "/clients/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateClient(ctx, runn.ClientInput{Name: "Fjord Ferries", References: harvestRef("9002")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Clients, func(c runn.Client) bool { return c.Name == "Fjord Ferries" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				clients, err := api.ListClients(ctx)
				return countFunc(clients, func(c runn.Client) bool { return c.Name == "Fjord Ferries" }), err
			},
		},
		{
			name: "project", path: "/projects/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreateProject(ctx, runn.ProjectInput{Name: "Ferry Terminal", ClientID: clientID, IsConfirmed: ptr(true),
					References: harvestRef("40119999")})
				return err
			},
			count: func(st *runntest.State) int {
				return countFunc(st.Projects, func(p runn.Project) bool { return p.Name == "Ferry Terminal" })
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				projects, err := api.FindProjectsByExternalID(ctx, "40119999")
				return len(projects), err
			},
		},
		{
			name: "person", path: "/people/",
			send: func(ctx context.Context, api *runn.API) error {
				_, err := api.CreatePerson(ctx, runn.PersonInput{FirstName: "Ana", LastName: "Silva", RoleID: roleID, References: harvestRef("4410999")})
				return err
			},
			// A person comes with a contract: both or neither.
			count: func(st *runntest.State) int {
				people := countPeopleWithRef(st, "4410999")
				if contracts := len(st.Contracts) - 1; contracts != people {
					return -1
				}
				return people
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				people, err := api.FindPeopleByExternalID(ctx, "4410999")
				return len(people), err
			},
		},
		{
			name: "project tag", path: "/project-tags/", resendable: true,
			send: func(ctx context.Context, api *runn.API) error { return api.AddProjectTag(ctx, syncOffTagID, projectID) },
			count: func(st *runntest.State) int {
				return countFunc(st.ProjectTags, func(tag runn.ProjectTag) bool {
					return tag.ID == syncOffTagID && slices.Contains(tag.ProjectIDs, projectID)
				})
			},
			find: func(ctx context.Context, api *runn.API) (int, error) {
				tags, err := api.ListProjectTags(ctx)
				return countFunc(tags, func(tag runn.ProjectTag) bool {
					return tag.ID == syncOffTagID && slices.Contains(tag.ProjectIDs, projectID)
				}), err
			},
		},
	}
}

func countFunc[T any](records []T, keep func(T) bool) int {
	n := 0
	for _, r := range records {
		if keep(r) {
			n++
		}
	}
	return n
}

// TestE2ECreateFaultsAreOutcomeUnknown: a create that may have reached Runn is never resent
// by the client. Whatever broke (a 5xx, a reset, a lost answer), the call fails once with
// ErrOutcomeUnknown; the fake shows whether it was applied (only a lost answer applies it);
// and the load's recovery, reading Runn before resending, ends with the record exactly once.
// Adding a tag may even be resent blindly: "already exists on Project" counts as success.
func TestE2ECreateFaultsAreOutcomeUnknown(t *testing.T) {
	faults := []struct {
		name    string
		fault   runntest.Fault
		applied bool
		// cfg configures the client that meets the fault; only, if set, is the one create
		// kind the fault is tried on (a timeout costs real time).
		cfg  runn.Config
		only string
	}{
		{name: "500", fault: runntest.Fault{Kind: runntest.ServerError}},
		{name: "503", fault: runntest.Fault{Kind: runntest.ServerError, Status: http.StatusServiceUnavailable}},
		{name: "connection reset", fault: runntest.Fault{Kind: runntest.ResetConnection}},
		{name: "answer lost after the write", fault: runntest.Fault{Kind: runntest.LostResponse}, applied: true},
		// The fake answers after a minute; the client gives up after 200 ms (real time) and
		// the fake, seeing it hang up, applies nothing.
		{name: "timeout", fault: runntest.Fault{Kind: runntest.Delay, Delay: time.Minute},
			cfg: runn.Config{HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}}, only: "person"},
	}
	for _, ft := range faults {
		// One fake per fault: each create touches records of its own, and the state is
		// compared around each one.
		env := startE2E(t, smallSeed(), runntest.Options{}, runn.Config{})
		for _, cc := range createCases() {
			if ft.only != "" && ft.only != cc.name {
				continue
			}
			t.Run(cc.name+"/"+ft.name, func(t *testing.T) {
				api := env.newClient(t, ft.cfg)
				reader := env.newClient(t, runn.Config{})
				before := env.srv.State()
				fault := ft.fault
				fault.Method, fault.PathPrefix = http.MethodPost, cc.path
				env.srv.InjectFault(fault)

				var err error
				reqs := env.during(func() { err = cc.send(t.Context(), api) })
				if !errors.Is(err, runn.ErrOutcomeUnknown) {
					t.Fatalf("error %v, want ErrOutcomeUnknown", err)
				}
				if errors.Is(err, runn.ErrBadRequest) || errors.Is(err, runn.ErrRateLimited) {
					t.Errorf("error %v also matches a refusal", err)
				}
				checkNoSecret(t, "the error", err.Error())
				if len(reqs) != 1 || reqs[0].Fault != ft.fault.Kind {
					t.Fatalf("requests %+v, want exactly one, struck by the fault: a create is not resent", reqs)
				}
				if s := api.Stats(); s.Retries != 0 || s.Requests != 1 {
					t.Errorf("stats %+v, want 1 request and no retry", s)
				}

				want := 0
				if ft.applied {
					want = 1
				}
				after := env.srv.State()
				if got := cc.count(after); got != want {
					t.Errorf("the fake holds %d, want %d", got, want)
				}
				if !ft.applied {
					if diff := cmp.Diff(before, after); diff != "" {
						t.Errorf("nothing should be applied, but the state changed:\n%s", diff)
					}
				}

				// What the load does next: read Runn, and send again only if it is missing.
				found, err := cc.find(t.Context(), reader)
				if err != nil {
					t.Fatalf("reading Runn: %v", err)
				}
				if found != want {
					t.Errorf("reading Runn found %d, want %d", found, want)
				}
				if found == 0 {
					if err := cc.send(t.Context(), reader); err != nil {
						t.Fatalf("sending again: %v", err)
					}
				}
				if cc.resendable {
					if err := cc.send(t.Context(), reader); err != nil {
						t.Errorf("sending again when it exists: %v, want success", err)
					}
				}
				if got := cc.count(env.srv.State()); got != 1 {
					t.Errorf("after recovery the fake holds %d, want exactly 1", got)
				}
				checkNoSecret(t, "the client's logs", env.logs.String())
			})
		}
	}
}
