package runntest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// specRelPath is where the module keeps its copy of Runn's published spec.
const specRelPath = "testdata/apis/runn-openapi.json"

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
	if path == "" {
		found, err := findSpec()
		if err != nil {
			return nil, err
		}
		path = found
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromFile(path)
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

// findSpec looks for the module's spec copy above the working directory (go test runs in the
// package directory, demo in the checkout), then above this source file, so that any package
// of the module can start a fake without knowing its own depth.
func findSpec() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			candidate := filepath.Join(dir, specRelPath)
			if _, err := os.Stat(candidate); err == nil {
				return candidate, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("runntest: cannot find " + specRelPath + " above the working directory; set Options.SpecPath")
}
