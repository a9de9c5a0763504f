package runntest

import (
	"net/http"

	"github.com/harvest2runn/harvest2runn/runn"
)

func clientMeta(c *runn.Client) recordMeta {
	return recordMeta{id: c.ID, created: c.CreatedAt, updated: c.UpdatedAt}
}

func listClients(st *store, c *call) (int, any, *apiError) {
	name, byName := c.query("name")
	return list(c, st.clients, clientMeta, func(cl *runn.Client) bool {
		return !byName || containsFold(cl.Name, name)
	})
}

func getClient(st *store, c *call) (int, any, *apiError) {
	cl, ok := st.clients.get(c.pathID("clientId"))
	if !ok {
		return 0, nil, notFound("Client not found")
	}
	return http.StatusOK, cl, nil
}

func createClient(st *store, c *call) (int, any, *apiError) {
	var in struct {
		Name       string           `json:"name"`
		Website    *string          `json:"website"`
		References []runn.Reference `json:"references"`
	}
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	cl := &runn.Client{
		ID:         st.newID(kindClient),
		Name:       in.Name,
		Website:    in.Website,
		References: nonNil(in.References),
		CreatedAt:  c.now,
		UpdatedAt:  c.now,
	}
	st.clients.insert(cl.ID, cl)
	return http.StatusCreated, cl, nil
}
