package runn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// GetClient reads one client (GET /clients/{clientId}).
func (c *API) GetClient(ctx context.Context, id int64) (Client, error) {
	var out Client
	return out, c.get(ctx, fmt.Sprintf("/clients/%d", id), &out)
}

// GetProject reads one project (GET /projects/{projectId}).
func (c *API) GetProject(ctx context.Context, id int64) (Project, error) {
	var out Project
	return out, c.get(ctx, fmt.Sprintf("/projects/%d", id), &out)
}

// GetPerson reads one person (GET /people/{personId}); the fields Person lacks (notes, skills,
// custom fields) are dropped.
func (c *API) GetPerson(ctx context.Context, id int64) (Person, error) {
	var out Person
	return out, c.get(ctx, fmt.Sprintf("/people/%d", id), &out)
}

func (c *API) get(ctx context.Context, path string, out any) error {
	ans, err := c.do(ctx, call{method: http.MethodGet, path: path, repeatable: true})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(ans.body, out); err != nil {
		return fmt.Errorf("runn: decoding GET %s: %w", ans.url, err)
	}
	return nil
}

// referencesBody is the only PATCH body harvest2runn sends: the record's whole reference list.
// The spec does not say whether `references` replaces the stored list; Runn's guide says a PATCH
// sets what it carries and [] clears a field, so the list sent must be the complete one (read
// the record, add or remove one reference, send them all). Every other field is left out, so
// nothing else of the record changes.
type referencesBody struct {
	References []Reference `json:"references"`
}

// SetClientReferences replaces a client's references with refs (PATCH /clients/{clientId}).
// refs must be the complete list: see referencesBody. The answer is trusted only when it carries
// exactly refs; otherwise the error matches ErrOutcomeUnknown (read the client again).
func (c *API) SetClientReferences(ctx context.Context, id int64, refs []Reference) (Client, error) {
	var out Client
	if err := c.patchReferences(ctx, fmt.Sprintf("/clients/%d", id), refs, &out, func() []Reference { return out.References }); err != nil {
		return Client{}, err
	}
	return out, nil
}

// SetProjectReferences replaces a project's references with refs (PATCH /projects/{projectId});
// see SetClientReferences.
func (c *API) SetProjectReferences(ctx context.Context, id int64, refs []Reference) (Project, error) {
	var out Project
	if err := c.patchReferences(ctx, fmt.Sprintf("/projects/%d", id), refs, &out, func() []Reference { return out.References }); err != nil {
		return Project{}, err
	}
	return out, nil
}

// SetPersonReferences replaces a person's references with refs (PATCH /people/{personId}); see
// SetClientReferences.
func (c *API) SetPersonReferences(ctx context.Context, id int64, refs []Reference) (Person, error) {
	var out Person
	if err := c.patchReferences(ctx, fmt.Sprintf("/people/%d", id), refs, &out, func() []Reference { return out.References }); err != nil {
		return Person{}, err
	}
	return out, nil
}

// patchReferences sends refs as the record's whole list. Sending the same list twice leaves the
// record as once, so the call is retried like a read; the caller re-reads the record right
// before, so that a reference someone added meanwhile is in refs and not dropped.
func (c *API) patchReferences(ctx context.Context, path string, refs []Reference, out any, got func() []Reference) error {
	if refs == nil {
		refs = []Reference{}
	}
	body, err := json.Marshal(referencesBody{References: refs})
	if err != nil {
		return fmt.Errorf("runn: encoding the body of PATCH %s: %w", path, err)
	}
	ans, err := c.do(ctx, call{method: http.MethodPatch, path: path, body: body, repeatable: true})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(ans.body, out); err != nil {
		return fmt.Errorf("runn: PATCH %s: Runn answered %d but its answer could not be decoded (%w), so whether the references changed is not known: %w",
			ans.url, ans.status, err, ErrOutcomeUnknown)
	}
	if !sameReferences(refs, got()) {
		return fmt.Errorf("runn: PATCH %s: Runn answered %d with references %v, not the %v that were sent: read the record before sending it again: %w",
			ans.url, ans.status, got(), refs, ErrOutcomeUnknown)
	}
	return nil
}

// sameReferences compares two lists as multisets (Runn may keep them in another order): each
// reference as many times in one as in the other, so that [a a b] is not taken for [a b b].
func sameReferences(a, b []Reference) bool {
	if len(a) != len(b) {
		return false
	}
	count := make(map[Reference]int, len(a))
	for _, r := range a {
		count[r]++
	}
	for _, r := range b {
		if count[r] == 0 {
			return false
		}
		count[r]--
	}
	return true
}
