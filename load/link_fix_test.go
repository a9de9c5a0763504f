package load

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/harvest2runn/harvest2runn/internal/testkit/testwarehouse"
	"github.com/harvest2runn/harvest2runn/runn"
)

// R1, R16: link and the check before a create read a record's Harvest references alike, as the
// staging models do (name trimmed and lower-cased, id trimmed and read as a number): a record
// link takes for linked is one the load finds, so no duplicate is created.
func TestHarvestReferenceReadAlike(t *testing.T) {
	tests := []struct {
		name string
		ref  runn.Reference
		want bool // carries Harvest reference 123
	}{
		{"plain", runn.Reference{ReferenceName: "Harvest", ExternalID: "123"}, true},
		{"id with spaces", runn.Reference{ReferenceName: "Harvest", ExternalID: " 123 "}, true},
		{"leading zero", runn.Reference{ReferenceName: "Harvest", ExternalID: "0123"}, true},
		{"name in odd case and spaces", runn.Reference{ReferenceName: " HARVEST ", ExternalID: "123"}, true},
		{"another id", runn.Reference{ReferenceName: "Harvest", ExternalID: "124"}, false},
		{"not a number", runn.Reference{ReferenceName: "Harvest", ExternalID: "12a3"}, false},
		{"another system", runn.Reference{ReferenceName: "CRM", ExternalID: "123"}, false},
		// Unicode folding would take the long s for an s; DuckDB's lower does not.
		{"folded name", runn.Reference{ReferenceName: "Harveſt", ExternalID: "123"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs := []runn.Reference{{ReferenceName: "CRM", ExternalID: "c-1"}, tt.ref}
			load, _ := carriesHarvestRef(refs, 123)
			link, _ := harvestRefs(refs, 123)
			if load != tt.want || link != tt.want {
				t.Errorf("%+v: the load reads it as Harvest 123: %v, link: %v; want %v", tt.ref, load, link, tt.want)
			}
			found := lowestReferenced([]runn.Client{{ID: 7, References: refs}}, 123, func(c runn.Client) (int64, []runn.Reference) { return c.ID, c.References })
			if (found == 7) != tt.want {
				t.Errorf("%+v: the check before a create found client %d", tt.ref, found)
			}
		})
	}
}

// R16: a link whose PATCH never landed, the reference then added by hand, is not the run's to
// revert: the revert leaves it and reports why, and removes the links that were confirmed.
func TestRevertLinkLeavesUnconfirmedLinks(t *testing.T) {
	w := testwarehouse.Open(t)
	runID := linkRunOf(t, w)
	srv := startFake(t, linkSeed(), runntestOpts())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Requests: GET and PATCH of client 11, GET of project 21, then its PATCH is never sent.
	k := &killer{n: 4, cancel: cancel}
	killed := newClient(t, srv, nil, func(rt http.RoundTripper) http.RoundTripper { k.base = rt; return k })
	if _, err := Link(ctx, w, killed, LinkOptions{RunID: runID, Pairs: linkPairs}); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed link: %v", err)
	}
	api := newClient(t, srv, nil, nil)
	byHand := []runn.Reference{{ReferenceName: "Harvest", ExternalID: "201"}}
	if _, err := api.SetProjectReferences(context.Background(), 21, byHand); err != nil {
		t.Fatal(err)
	}
	res, err := Revert(context.Background(), w, api, RevertOptions{RunID: runID})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("revert: %v, want the unconfirmed link reported (ErrRejected)", err)
	}
	st := srv.State()
	if got := refNames(st.Projects[0].References); !slices.Equal(got, []string{"Harvest:201"}) {
		t.Errorf("project 21 references %v: the reference added by hand was removed", got)
	}
	if got := refNames(st.Clients[0].References); !slices.Equal(got, []string{"CRM:c-1"}) {
		t.Errorf("client 11 references %v: the confirmed link was not reverted", got)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Key != "harvest:201=runn:21" {
		t.Errorf("reported %+v, want the project's link", res.Rejected)
	}
}

// lostAnswers is a Runn client whose PATCH answers cannot be recorded: the audit table they go
// to is gone by the time they arrive.
type lostAnswers struct {
	*runn.API
	db *sqlx.DB
}

func (a lostAnswers) SetClientReferences(ctx context.Context, id int64, refs []runn.Reference) (runn.Client, error) {
	c, err := a.API.SetClientReferences(ctx, id, refs)
	if _, derr := a.db.ExecContext(ctx, `ALTER TABLE audit.responses RENAME TO responses_away`); derr != nil {
		return c, derr
	}
	return c, err
}

// R16: a link counts as applied only once its answer is in the audit trail.
func TestLinkCountsAppliedOnlyOnceRecorded(t *testing.T) {
	w := testwarehouse.Open(t)
	srv := startFake(t, linkSeed(), runntestOpts())
	api := lostAnswers{API: newClient(t, srv, nil, nil), db: w.DB}
	res, err := Link(context.Background(), w, api, LinkOptions{RunID: linkRunOf(t, w), Pairs: linkPairs[2:]})
	if err == nil {
		t.Fatal("the link's answer could not be recorded, and Link did not say so")
	}
	if tot := res.Totals(); tot.Applied != 0 {
		t.Errorf("totals %+v: a link whose answer is not recorded counted as applied", tot)
	}
}
