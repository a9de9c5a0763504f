package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir holds one JSON Schema per JSON output, named <name>.schema.json (docs/output.md).
const schemaDir = "../../docs/schemas"

// checkSchema fails t unless out is one JSON document valid against docs/schemas/<name>.schema.json.
func checkSchema(t *testing.T, name string, out []byte) {
	t.Helper()
	if err := validateSchema(name, out); err != nil {
		t.Fatalf("output does not follow docs/schemas/%s.schema.json: %v\noutput:\n%s", name, err, out)
	}
}

func validateSchema(name string, out []byte) error {
	path, err := filepath.Abs(filepath.Join(schemaDir, name+".schema.json"))
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return fmt.Errorf("the schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		return err
	}
	sch, err := c.Compile(path)
	if err != nil {
		return fmt.Errorf("the schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return fmt.Errorf("not one JSON document: %w", err)
	}
	return sch.Validate(v)
}

func TestValidateSchema(t *testing.T) {
	for _, tc := range []struct {
		out string
		ok  bool
	}{
		{out: `{"error": {"code": "usage", "message": "m", "hint": "h"}}`, ok: true},
		{out: `{"error": {"code": "usage"}}`},
		{out: `{"error": {"code": "usage", "message": "m"}, "extra": 1}`},
		{out: `{"error": {"code": "usage", "message": "m"}} {}`},
	} {
		if err := validateSchema("error", []byte(tc.out)); (err == nil) != tc.ok {
			t.Errorf("%s: valid %v, want %v (%v)", tc.out, err == nil, tc.ok, err)
		}
	}
}
