package runntest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// validateRequest checks r against its operation in the spec and returns the body as the
// handler should read it: kin-openapi fills in the spec's defaults (billableMinutes: 0,
// employmentType: "employee", ...), as Runn's own validator does.
func validateRequest(ctx context.Context, r *http.Request, route *routers.Route, params map[string]string, body []byte) ([]byte, *apiError) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = nil
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			// The bearer token was checked before validation, with Runn's own 401 body.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return nil, badRequest("%s", describeValidationError(err))
	}
	validated, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, badRequest("body: cannot be read: %v", err)
	}
	return validated, nil
}

// describeValidationError names the field and the rule, in the style of Runn's (Fastify's)
// messages: "querystring/limit: number must be at most 500", "body/actuals/0/date: ...".
// Values are left out: they are the caller's data and may be long.
func describeValidationError(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	loc := "body"
	if p := re.Parameter; p != nil {
		loc = parameterLocation(p.In) + "/" + p.Name
	}
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		return describeSchemaError(loc, se)
	}
	switch {
	case re.Err != nil:
		return loc + ": " + re.Err.Error()
	case re.Reason != "":
		return loc + ": " + re.Reason
	}
	return re.Error()
}

func parameterLocation(in string) string {
	switch in {
	case openapi3.ParameterInQuery:
		return "querystring"
	case openapi3.ParameterInHeader:
		return "headers"
	case openapi3.ParameterInPath:
		return "params"
	}
	return in
}

func describeSchemaError(loc string, se *openapi3.SchemaError) string {
	if ptr := se.JSONPointer(); len(ptr) > 0 {
		loc += "/" + strings.Join(ptr, "/")
	}
	if se.SchemaField == "anyOf" && se.Schema != nil {
		if inner := explainAnyOf(se.Schema, se.Value); inner != nil {
			return describeSchemaError(loc, inner)
		}
	}
	return loc + ": " + se.Reason
}

// explainAnyOf re-validates a value that matched no alternative against the alternative it
// most resembles (most of its keys declared there; the first on a tie), so that
// POST /projects/ without clientId says so instead of "doesn't match any schema".
func explainAnyOf(schema *openapi3.Schema, value any) *openapi3.SchemaError {
	obj, _ := value.(map[string]any)
	var best *openapi3.Schema
	bestScore := -1
	for _, alt := range schema.AnyOf {
		if alt.Value == nil {
			continue
		}
		score := 0
		for key := range obj {
			if _, ok := alt.Value.Properties[key]; ok {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = alt.Value, score
		}
	}
	if best == nil {
		return nil
	}
	var se *openapi3.SchemaError
	if err := best.VisitJSON(value, openapi3.VisitAsRequest()); errors.As(err, &se) {
		return se
	}
	return nil
}
