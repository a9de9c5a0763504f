package runntest

import (
	"net/http"
	"slices"

	"github.com/harvest2runn/harvest2runn/runn"
)

// standardRateCardID is the account's standard rate card, which Runn gives a project
// created without one.
const standardRateCardID = 15501

func projectMeta(p *runn.Project) recordMeta {
	return recordMeta{id: p.ID, created: p.CreatedAt, updated: p.UpdatedAt}
}

func hasExternalID(refs []runn.Reference, externalID string) bool {
	return slices.ContainsFunc(refs, func(r runn.Reference) bool { return r.ExternalID == externalID })
}

func listProjects(st *store, c *call) (int, any, *apiError) {
	includeArchived, ok := c.queryBool("includeArchived")
	if !ok {
		includeArchived = true
	}
	name, byName := c.query("name")
	externalID, byExternalID := c.query("externalId")
	return list(c, st.projects, projectMeta, func(p *runn.Project) bool {
		return (includeArchived || !p.IsArchived) &&
			(!byName || containsFold(p.Name, name)) &&
			(!byExternalID || hasExternalID(p.References, externalID))
	})
}

func getProject(st *store, c *call) (int, any, *apiError) {
	p, ok := st.projects.get(c.pathID("projectId"))
	if !ok {
		return 0, nil, notFound("Project not found")
	}
	return http.StatusOK, p, nil
}

type projectInput struct {
	Name           *string          `json:"name"`
	ClientID       *float64         `json:"clientId"`
	IsConfirmed    *bool            `json:"isConfirmed"`
	IsTemplate     *bool            `json:"isTemplate"`
	Budget         *float64         `json:"budget"`
	ExpensesBudget *float64         `json:"expensesBudget"`
	TeamID         *float64         `json:"teamId"`
	PricingModel   string           `json:"pricingModel"`
	RateCardID     *int64           `json:"rateCardId"`
	RateType       string           `json:"rateType"`
	References     []runn.Reference `json:"references"`
	ManagerIDs     []int64          `json:"managerIds"`
	FromTemplate   *struct {
		TemplateID int64  `json:"templateId"`
		StartDate  string `json:"startDate"`
	} `json:"fromTemplate"`
}

func createProject(st *store, c *call) (int, any, *apiError) {
	var in projectInput
	if err := c.decodeBody(&in); err != nil {
		return 0, nil, err
	}
	p := &runn.Project{
		PricingModel: "tm",
		RateType:     "hours",
		RateCardID:   standardRateCardID,
	}
	if in.FromTemplate != nil {
		tmpl, ok := st.projects.get(in.FromTemplate.TemplateID)
		if !ok || !tmpl.IsTemplate {
			return 0, nil, badRequest("Template with id %d not found.", in.FromTemplate.TemplateID)
		}
		copied := *st.snapshotProject(tmpl)
		p = &copied
		p.IsTemplate = false
		p.Tags, p.References = nil, nil
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.ClientID != nil {
		id, err := wholeID("body/clientId", *in.ClientID)
		if err != nil {
			return 0, nil, err
		}
		p.ClientID = id
	}
	if _, ok := st.clients.get(p.ClientID); !ok {
		return 0, nil, badRequest("Client with id %d not found.", p.ClientID)
	}
	if in.TeamID != nil {
		id, err := wholeID("body/teamId", *in.TeamID)
		if err != nil {
			return 0, nil, err
		}
		p.TeamID = &id
	}
	if in.IsConfirmed != nil {
		p.IsConfirmed = *in.IsConfirmed
	}
	if in.IsTemplate != nil {
		p.IsTemplate = *in.IsTemplate
	}
	if in.Budget != nil {
		p.Budget = in.Budget
	}
	if in.ExpensesBudget != nil {
		p.ExpensesBudget = in.ExpensesBudget
	}
	if in.PricingModel != "" {
		p.PricingModel = in.PricingModel
	}
	if in.RateCardID != nil {
		p.RateCardID = *in.RateCardID
	}
	if in.RateType != "" {
		p.RateType = in.RateType
	}
	if in.References != nil {
		p.References = in.References
	}
	if in.ManagerIDs != nil {
		p.ManagerIDs = in.ManagerIDs
	}
	p.ID = st.newID(kindProject)
	p.CreatedAt, p.UpdatedAt = c.now, c.now
	normProject(p, c.now)
	st.projects.insert(p.ID, p)
	return http.StatusCreated, p, nil
}

// snapshotProject deep-copies a project, so a copy made from a template shares nothing.
func (st *store) snapshotProject(p *runn.Project) *runn.Project {
	s := (&State{Projects: []runn.Project{*p}}).clone()
	return &s.Projects[0]
}
