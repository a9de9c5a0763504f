package runntest

import (
	"net/http"

	"github.com/harvest2runn/harvest2runn/runn"
)

func roleMeta(r *runn.Role) recordMeta {
	return recordMeta{id: r.ID, created: r.CreatedAt, updated: r.UpdatedAt}
}

func listRoles(st *store, c *call) (int, any, *apiError) {
	name, byName := c.query("name")
	return list(c, st.roles, roleMeta, func(r *runn.Role) bool {
		return !byName || (r.Name != nil && containsFold(*r.Name, name))
	})
}

func createRole(st *store, c *call) (int, any, *apiError) {
	var in struct {
		Name            string           `json:"name"`
		DefaultHourCost float64          `json:"defaultHourCost"`
		StandardRate    float64          `json:"standardRate"`
		References      []runn.Reference `json:"references"`
	}
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	r := &runn.Role{
		ID:              st.newID(kindRole),
		Name:            &in.Name,
		DefaultHourCost: in.DefaultHourCost,
		StandardRate:    in.StandardRate,
		References:      nonNil(in.References),
		PersonIDs:       []int64{},
		CreatedAt:       c.now,
		UpdatedAt:       c.now,
	}
	st.roles.insert(r.ID, r)
	return http.StatusCreated, r, nil
}

// accountName is what GET /me/ answers for the fake's token.
const accountName = "runntest fake account"

func getCurrentUser(_ *store, _ *call) (int, any, *apiError) {
	return http.StatusOK, map[string]string{"name": accountName}, nil
}
