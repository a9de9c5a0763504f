package runntest

import (
	"net/http"

	"github.com/harvest2runn/harvest2runn/runn"
)

func contractMeta(c *runn.Contract) recordMeta {
	return recordMeta{id: c.ID, created: c.CreatedAt, updated: c.UpdatedAt}
}

func listContracts(st *store, c *call) (int, any, *apiError) {
	return list(c, st.contracts, contractMeta, nil)
}

// listPersonContracts answers an empty list for an unknown person: the spec documents no
// 404 for it.
func listPersonContracts(st *store, c *call) (int, any, *apiError) {
	personID := c.pathID("personId")
	return list(c, st.contracts, contractMeta, func(k *runn.Contract) bool { return k.PersonID == personID })
}

// getPersonCurrentContract answers the contract in force today; of several, the latest
// startDate, then the highest id.
func getPersonCurrentContract(st *store, c *call) (int, any, *apiError) {
	personID := c.pathID("personId")
	if _, ok := st.people.get(personID); !ok {
		return 0, nil, notFound("Person not found")
	}
	var current *runn.Contract
	for _, k := range st.contracts.all() {
		if k.PersonID != personID || k.StartDate > c.today || (k.EndDate != nil && *k.EndDate < c.today) {
			continue
		}
		if current == nil || k.StartDate > current.StartDate || (k.StartDate == current.StartDate && k.ID > current.ID) {
			current = k
		}
	}
	if current == nil {
		return 0, nil, notFound("Person %d has no current contract", personID)
	}
	return http.StatusOK, current, nil
}
