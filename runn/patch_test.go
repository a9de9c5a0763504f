package runn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// R16: the reads and PATCHes link uses send only what the spec allows (the validating server
// reports anything else) and decode the spec-shaped answers.
func TestPatchMethodsFollowTheSpec(t *testing.T) {
	srv := newSpecServer(t)
	c := newTestAPI(t, srv.URL)
	ctx := context.Background()
	client, err := c.GetClient(ctx, 73015)
	checkDecoded(t, "GetClient", client, wantClient(), err)
	project, err := c.GetProject(ctx, 402288)
	checkDecoded(t, "GetProject", project, wantProject(), err)
	person, err := c.GetPerson(ctx, 880451)
	checkDecoded(t, "GetPerson", person, wantPerson(), err)
	client, err = c.SetClientReferences(ctx, 73015, harvestRef("11873302"))
	checkDecoded(t, "SetClientReferences", client, wantClient(), err)
	project, err = c.SetProjectReferences(ctx, 402288, harvestRef("40119877"))
	checkDecoded(t, "SetProjectReferences", project, wantProject(), err)
	person, err = c.SetPersonReferences(ctx, 880451, harvestRef("4410982"))
	checkDecoded(t, "SetPersonReferences", person, wantPerson(), err)

	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, p := range srv.problems {
		t.Error(p)
	}
	for _, op := range []string{"getClient", "getProject", "getPerson", "updateClient", "updateProject", "updatePerson"} {
		if srv.ops[op] == 0 {
			t.Errorf("%s was not called", op)
		}
	}
}

// R16: the PATCH body carries the references and nothing else, the whole list, [] when empty;
// an answer without the references sent is not taken as done.
func TestSetReferencesBody(t *testing.T) {
	tests := []struct {
		name     string
		refs     []Reference
		answer   string
		wantBody string
		wantErr  error
	}{
		{name: "whole list", refs: []Reference{{"CRM", "c-1"}, {"Harvest", "9"}},
			answer:   `{"id":5,"name":"A","website":null,"isArchived":false,"references":[{"referenceName":"Harvest","externalId":"9"},{"referenceName":"CRM","externalId":"c-1"}],"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`,
			wantBody: `{"references":[{"referenceName":"CRM","externalId":"c-1"},{"referenceName":"Harvest","externalId":"9"}]}`},
		{name: "nil clears", refs: nil,
			answer:   `{"id":5,"name":"A","website":null,"isArchived":false,"references":[],"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`,
			wantBody: `{"references":[]}`},
		{name: "answer without the reference", refs: []Reference{{"Harvest", "9"}},
			answer:   `{"id":5,"name":"A","website":null,"isArchived":false,"references":[],"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`,
			wantBody: `{"references":[{"referenceName":"Harvest","externalId":"9"}]}`, wantErr: ErrOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tt.answer) })
			c := newTestAPI(t, rec.URL)
			_, err := c.SetClientReferences(context.Background(), 5, tt.refs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			reqs := rec.requests()
			if len(reqs) != 1 || reqs[0].Method != "PATCH" || !strings.HasSuffix(reqs[0].Path, "/clients/5") || reqs[0].Body != tt.wantBody {
				t.Errorf("sent %+v, want one PATCH /clients/5 with %s", reqs, tt.wantBody)
			}
		})
	}
}

// R16: Runn's answer to a PATCH is trusted only when it carries the references sent, each as
// many times: the order may differ, the counts may not.
func TestSameReferences(t *testing.T) {
	a, b := Reference{ReferenceName: "Harvest", ExternalID: "1"}, Reference{ReferenceName: "CRM", ExternalID: "c-1"}
	tests := []struct {
		name string
		x, y []Reference
		want bool
	}{
		{"same", []Reference{a, b}, []Reference{a, b}, true},
		{"other order", []Reference{a, b}, []Reference{b, a}, true},
		{"both empty", []Reference{}, nil, true},
		{"one missing", []Reference{a, b}, []Reference{a}, false},
		{"same length, other counts", []Reference{a, a, b}, []Reference{a, b, b}, false},
		{"other id", []Reference{a}, []Reference{{ReferenceName: "Harvest", ExternalID: "2"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameReferences(tt.x, tt.y); got != tt.want {
				t.Errorf("sameReferences(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
			}
			if got := sameReferences(tt.y, tt.x); got != tt.want {
				t.Errorf("sameReferences(%v, %v) = %v, want %v", tt.y, tt.x, got, tt.want)
			}
		})
	}
}
