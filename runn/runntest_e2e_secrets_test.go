package runn_test

// End-to-end tests of secrets against the fake Runn: a token echoed back is redacted.

import (
	"bytes"
	"testing"

	"github.com/harvest2runn/harvest2runn/runn"
	"github.com/harvest2runn/harvest2runn/runn/runntest"
)

// TestE2ETokenEchoedByRunnIsRedacted: a record holding the token (pasted into a name by
// mistake) comes back with the token replaced, in raw pages and typed records alike.
func TestE2ETokenEchoedByRunnIsRedacted(t *testing.T) {
	seed := smallSeed()
	seed.Clients[0].Name = "Harbour Authority " + e2eToken
	env := startE2E(t, seed, runntest.Options{}, runn.Config{})
	err := env.api.ListPages(t.Context(), runn.EndpointClients, nil, func(p runn.Page) error {
		checkNoSecret(t, "a page", string(p.Body)+p.URL)
		if !bytes.Contains(p.Body, []byte("Harbour Authority [REDACTED]")) {
			t.Errorf("page %s: want the token replaced by [REDACTED]", p.Body)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ListPages: %v", err)
	}
	clients, err := env.api.ListClients(t.Context())
	if err != nil || len(clients) != 1 || clients[0].Name != "Harbour Authority [REDACTED]" {
		t.Errorf("ListClients: %+v, %v; want the name with the token redacted", clients, err)
	}
}
