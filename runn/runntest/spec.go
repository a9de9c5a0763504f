package runntest

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// specJSON is Runn's published OpenAPI spec (version 1.0.0, trimmed to the operations
// harvest2runn uses; see testdata/apis/README.md for its source). It is embedded so that the fake
// works wherever the binary runs (`harvest2runn demo`); the client's tests validate against the
// same file.
//
//go:embed runn-openapi.json
var specJSON []byte

// spec is the loaded Runn OpenAPI document and a router over its operations.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

// loadSpec reads and validates the spec. The document is private to one Server, so it may
// be adjusted for validation without affecting anyone else:
//   - its servers (api.runn.io) are dropped, so the router matches paths on our own host;
//   - it is validated as OpenAPI 3.0. Runn's file says 3.1 but its schemas are written in
//     the 3.0 dialect (nullable: true, no 3.1-only keyword). kin-openapi checks a 3.1
//     document with a JSON Schema 2020-12 validator, which ignores nullable and would refuse
//     the nulls Runn sends and accepts (workstreamId: null, website: null); its 3.0
//     validator honours nullable, as runn-openapi.md expects.
func loadSpec(ctx context.Context, path string) (*spec, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	var (
		doc *openapi3.T
		err error
	)
	if path == "" {
		path = "the embedded runn-openapi.json"
		doc, err = loader.LoadFromData(specJSON)
	} else {
		doc, err = loader.LoadFromFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("runntest: loading Runn spec %s: %w", path, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("runntest: Runn spec %s is invalid: %w", path, err)
	}
	doc.Servers = nil
	doc.OpenAPI = "3.0.3"
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("runntest: routing Runn spec %s: %w", path, err)
	}
	return &spec{doc: doc, router: router}, nil
}
