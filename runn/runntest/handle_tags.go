package runntest

import (
	"net/http"
	"slices"

	"github.com/harvest2runn/harvest2runn/runn"
)

func projectTagMeta(t *runn.ProjectTag) recordMeta {
	return recordMeta{id: t.ID, created: t.CreatedAt, updated: t.UpdatedAt}
}

// listProjectTags leaves archived tags out unless includeArchived=true (spec default false).
func listProjectTags(st *store, c *call) (int, any, *apiError) {
	includeArchived, _ := c.queryBool("includeArchived")
	return list(c, st.tags, projectTagMeta, func(t *runn.ProjectTag) bool {
		return includeArchived || !t.Archived
	})
}

// addProjectTagToProject links both sides: the tag's projectIds and the project's tags.
func addProjectTagToProject(st *store, c *call) (int, any, *apiError) {
	tagID, projectID := c.pathID("projectTagId"), c.pathID("projectId")
	tag, ok := st.tags.get(tagID)
	if !ok {
		return 0, nil, notFound("Project tag with id %d not found.", tagID)
	}
	p, ok := st.projects.get(projectID)
	if !ok {
		return 0, nil, notFound("Project with id %d not found.", projectID)
	}
	if slices.Contains(tag.ProjectIDs, projectID) {
		return 0, nil, badRequest("Tag %q already exists on Project %d.", tag.Name, projectID)
	}
	tag.ProjectIDs = append(tag.ProjectIDs, projectID)
	slices.Sort(tag.ProjectIDs)
	tag.UpdatedAt = c.now
	p.Tags = append(p.Tags, runn.Tag{ID: tag.ID, Name: tag.Name})
	return http.StatusCreated, tag, nil
}
